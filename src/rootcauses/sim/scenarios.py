"""Parameters and scenarios: a documented default set (``parameters.yaml``) and scenarios that
override values only (``scenarios/*.yaml``).

Loading validates everything before anything runs: an unknown key, a value outside its range or a
parameter without a source (and not marked ``assumption: true``) is a :class:`SimError` naming
the file, the key and what is allowed.

Calibrated defaults: when ``calibrated.yaml`` sits next to ``parameters.yaml`` (written by
``rootcauses sim calibrate --save``), its ``overrides`` replace the documented default values
(same range checks; the spec's ``source`` then says "calibrated"), and scenarios override on top.
Delete the file to go back to the documented defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from rootcauses.sim.errors import SimError

PARAMETERS_FILE = "parameters.yaml"
CALIBRATED_FILE = "calibrated.yaml"
SCENARIO_NAMES = (
    "status_quo",
    "deterrence",
    "harris_strategy",
    "anti_corruption",
    "progressive",
    "climate_shock",
)


class ParameterSpec(BaseModel):
    """One documented parameter: value, allowed range, unit and where the value comes from."""

    model_config = ConfigDict(extra="forbid")

    value: float
    range: tuple[float, float]
    unit: str
    source: str | None = None
    assumption: bool = False
    note: str = ""
    uncertainty: tuple[float, float] | None = None
    lever: bool = False

    @model_validator(mode="after")
    def _documented(self) -> ParameterSpec:
        lo, hi = self.range
        if lo > hi:
            raise ValueError(f"range {list(self.range)} is empty")
        if not lo <= self.value <= hi:
            raise ValueError(f"value {self.value} is outside its range {list(self.range)}")
        if self.uncertainty is not None:
            ulo, uhi = self.uncertainty
            if not lo <= ulo <= uhi <= hi:
                raise ValueError(f"uncertainty {list(self.uncertainty)} is not inside the range")
        if not self.source and not self.assumption:
            raise ValueError("needs a `source` or `assumption: true`")
        return self


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    overrides: dict[str, float] = {}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its name, description, file and the full parameter values."""

    name: str
    description: str
    path: Path | None
    overrides: dict[str, float]
    values: dict[str, float] = field(repr=False)


def _read_yaml(path: Path | str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SimError(f"{path}: not valid YAML: {exc}") from exc


def _pydantic_message(path: Path | str, key: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in (key, *first["loc"]) if p != "")
    return f"{path}: {where}: {first['msg']}"


def calibrated_path() -> Path:
    """Where calibrated default overrides are read from (the package's ``calibrated.yaml``)."""
    return Path(str(resources.files("rootcauses.sim").joinpath(CALIBRATED_FILE)))


def apply_calibrated(
    specs: dict[str, ParameterSpec], path: Path | None = None
) -> dict[str, ParameterSpec]:
    """``specs`` with the calibrated values of ``path`` (default :func:`calibrated_path`) as
    their defaults, when the file exists; unknown keys and out-of-range values are errors."""
    path = calibrated_path() if path is None else path
    if not path.exists():
        return specs
    raw = _read_yaml(path, _read_text(path))
    overrides = raw.get("overrides") if isinstance(raw, dict) else None
    if not isinstance(overrides, dict):
        raise SimError(f"{path}: expected a mapping with `overrides: {{parameter: value}}`")
    values = apply_overrides(specs, overrides, str(path))
    out = dict(specs)
    for key in overrides:
        out[key] = specs[key].model_copy(
            update={"value": values[key], "source": f"calibrated ({path.name})"}
        )
    return out


def load_parameter_specs(
    path: Path | None = None, *, calibrated: bool = True
) -> dict[str, ParameterSpec]:
    """The default parameter set (the packaged file unless ``path`` is given); for the packaged
    file, with the calibrated defaults applied when ``calibrated.yaml`` exists."""
    if path is None:
        source = resources.files("rootcauses.sim").joinpath(PARAMETERS_FILE)
        label: Path | str = f"rootcauses/sim/{PARAMETERS_FILE}"
        text = source.read_text(encoding="utf-8")
    else:
        label, text = path, _read_text(path)
    raw = _read_yaml(label, text)
    if not isinstance(raw, dict) or not raw:
        raise SimError(f"{label}: expected a mapping of parameter name -> spec")
    specs = {}
    for key, body in raw.items():
        try:
            specs[key] = ParameterSpec.model_validate(body)
        except ValidationError as exc:
            raise SimError(_pydantic_message(label, key, exc)) from exc
    return apply_calibrated(specs) if path is None and calibrated else specs


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimError(f"cannot read {path}: {exc.strerror}") from exc


def default_values(specs: Mapping[str, ParameterSpec]) -> dict[str, float]:
    return {key: spec.value for key, spec in specs.items()}


def apply_overrides(
    specs: Mapping[str, ParameterSpec], overrides: Mapping[str, Any], where: str
) -> dict[str, float]:
    """Defaults with ``overrides`` applied; unknown keys and out-of-range values are errors."""
    values = default_values(specs)
    for key, value in overrides.items():
        if key not in specs:
            raise SimError(
                f"{where}: unknown parameter {key!r}; allowed parameters: "
                f"{', '.join(sorted(specs))}"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SimError(f"{where}: {key}: {value!r} is not a number")
        lo, hi = specs[key].range
        if not lo <= float(value) <= hi:
            raise SimError(
                f"{where}: {key}: {value} is outside the allowed range [{lo}, {hi}] "
                f"({specs[key].unit})"
            )
        values[key] = float(value)
    return values


def scenario_path(name: str) -> Path:
    """The packaged YAML file of a named scenario."""
    if name not in SCENARIO_NAMES:
        raise SimError(
            f"unknown scenario {name!r}; expected one of {', '.join(SCENARIO_NAMES)} "
            "or a path to a .yaml file"
        )
    return Path(
        str(resources.files("rootcauses.sim").joinpath("scenarios").joinpath(f"{name}.yaml"))
    )


def load_scenario(
    name_or_path: str | Path, specs: Mapping[str, ParameterSpec] | None = None
) -> Scenario:
    """A scenario by packaged name or from a user's YAML file, validated in full."""
    specs = specs if specs is not None else load_parameter_specs()
    text_arg = str(name_or_path)
    path = Path(text_arg) if text_arg.endswith((".yaml", ".yml")) else scenario_path(text_arg)
    raw = _read_yaml(path, _read_text(path))
    if not isinstance(raw, dict):
        raise SimError(f"{path}: expected a mapping with name, description and overrides")
    overrides = raw.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise SimError(f"{path}: overrides: expected a mapping of parameter -> value")
    values = apply_overrides(specs, overrides, str(path))
    try:
        parsed = ScenarioFile.model_validate({**raw, "overrides": overrides})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        allowed = ", ".join(ScenarioFile.model_fields)
        raise SimError(f"{path}: {key}: {first['msg']} (allowed keys: {allowed})") from exc
    return Scenario(parsed.name, parsed.description, path, dict(overrides), values)


def neutral_levers(
    values: Mapping[str, float], specs: Mapping[str, ParameterSpec]
) -> dict[str, float]:
    """``values`` with every policy lever back at its default: used to anchor the intercepts."""
    return {k: (specs[k].value if specs[k].lever else v) for k, v in values.items()}


def draw_parameters(
    values: Mapping[str, float],
    specs: Mapping[str, ParameterSpec],
    rng: np.random.Generator,
) -> dict[str, float]:
    """One ensemble member: every parameter with an ``uncertainty`` interval drawn uniformly
    from it (levers keep the scenario's value), in sorted key order so draws are reproducible."""
    drawn = dict(values)
    for key in sorted(specs):
        spec = specs[key]
        if spec.uncertainty is not None and not spec.lever:
            drawn[key] = float(rng.uniform(*spec.uncertainty))
    return drawn
