"""``rootcauses report``: the country brief (thin: the work is in :mod:`rootcauses.report`).
Registered on the root app as a command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rootcauses.cli.support import Basis, BasisOption, console, err, handle_errors
from rootcauses.config import get_settings


@handle_errors
def report(
    country: Annotated[str, typer.Option(help="GTM, HND, SLV, or NT for all three.")],
    start: Annotated[str, typer.Option(help="First month of the period (YYYY-MM).")],
    end: Annotated[str, typer.Option(help="Last month of the period (YYYY-MM).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    pdf: Annotated[Path | None, typer.Option(help="Also write the brief as PDF here.")] = None,
    basis: BasisOption = Basis.usbp,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the brief: en (English) or es (Spanish).")
    ] = "en",
) -> None:
    """Write a self-contained HTML brief (and optionally a PDF) on a country and period: headline
    figures, encounters with policy events, drivers, models, forecast, commitments, sources."""
    from rootcauses import i18n
    from rootcauses.report import build_report, render_html, render_pdf
    from rootcauses.report.errors import ReportError

    with i18n.use(lang), err.status("building the brief") as status:
        brief = build_report(
            get_settings(),
            country,
            start,
            end,
            basis=basis.value,
            progress=lambda message: status.update(message),
        )
        html = render_html(brief)
        document = None
        if pdf:
            status.update("rendering the PDF")
            document = render_pdf(html)
    try:
        output.write_text(html, encoding="utf-8")
        if pdf and document is not None:
            pdf.write_bytes(document)
    except OSError as exc:
        raise ReportError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    console.print(f"wrote {output}" + (f" and {pdf}" if pdf else ""))
    for section, command in brief.missing.items():
        err.print(f"[yellow]{section.replace('_', ' ')}: not in the store; run `{command}`[/]")
