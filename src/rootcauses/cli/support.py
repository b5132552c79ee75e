"""What every ``rootcauses`` sub-command shares: consoles, the output formats and the error
handling that prints project errors as one paragraph (no traceback) and exits 1.

Every command-group module of :mod:`rootcauses.cli` imports it (it imports none of them).
"""

from __future__ import annotations

import functools
import sys
from enum import StrEnum
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from rootcauses.errors import RootCausesError

console = Console()
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


class Basis(StrEnum):
    usbp = "usbp"
    cbp = "cbp"


BasisOption = Annotated[
    Basis,
    typer.Option(help="usbp: Border Patrol, FY2000 on (OHSS); cbp: all CBP, FY2020 on."),
]


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="How to print: table, csv or json.")
]


def handle_errors(func):
    """Print project errors as one paragraph (no traceback) and exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RootCausesError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def print_frame(frame: pd.DataFrame, fmt: OutputFormat, title: str | None = None) -> None:
    """The shared output of every read command."""
    if fmt is OutputFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is OutputFormat.json:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")
    else:
        table = Table(title=title, header_style="bold")
        for column in frame.columns:
            table.add_column(str(column), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*("" if pd.isna(v) else str(v) for v in row))
        console.print(table)
