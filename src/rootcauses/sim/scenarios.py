"""Parameters and scenarios: a documented default set (``parameters.yaml``) and scenarios that
override values only (``scenarios/*.yaml``).

Loading validates everything before anything runs: an unknown key, a value outside its range or a
parameter without a source (and not marked ``assumption: true``) is a :class:`SimError` naming
the file, the key and what is allowed.

Calibrations: named parameter files whose ``overrides`` replace the documented default values
(same range checks; the spec's ``source`` then says "calibrated"); scenarios override on top.
Two ship with the package (``sim/calibrations/validation.yaml``, fitted on data up to September
2019 only, and ``latest.yaml``, fitted on everything; :data:`CALIBRATION_NAMES`), each with its
``provenance``. A calibration ``NAME`` is read from, first found:

1. ``$ROOTCAUSES_HOME/calibrations/NAME.yaml`` — a user's own (``rootcauses sim calibrate --save
   NAME``), which so takes precedence;
2. ``rootcauses/sim/calibrations/NAME.yaml`` — the one shipped with the package.

``latest`` is the default for scenarios, history and the API. Nothing is ever written into the
installed package, and the package's old ``sim/calibrated.yaml`` is no longer read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from rootcauses.config import Settings, get_settings
from rootcauses.sim.errors import SimError

PARAMETERS_FILE = "parameters.yaml"
CALIBRATIONS_DIR = "calibrations"
CALIBRATION_NAMES = ("validation", "latest")  # shipped with the package
DEFAULT_CALIBRATION = "latest"
CALIBRATION_KEYS = ("provenance", "overrides")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
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


def package_calibration_path(name: str) -> Path:
    """The calibration ``name`` shipped with the package (may not exist for other names)."""
    return Path(
        str(resources.files("rootcauses.sim").joinpath(CALIBRATIONS_DIR).joinpath(f"{name}.yaml"))
    )


def user_calibration_path(name: str, settings: Settings | None = None) -> Path:
    """``$ROOTCAUSES_HOME/calibrations/<name>.yaml``: where a user's own calibration lives."""
    check_calibration_name(name)
    home = (settings or get_settings()).home
    return home / CALIBRATIONS_DIR / f"{name}.yaml"


def check_calibration_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise SimError(
            f"calibration name {name!r}: use letters, digits, '_' or '-' (e.g. "
            f"{', '.join(CALIBRATION_NAMES)})"
        )
    return name


def calibration_path(name: str = DEFAULT_CALIBRATION) -> Path:
    """The file calibration ``name`` is read from: the user's under ``$ROOTCAUSES_HOME`` when it
    exists, else the package's. A name that is neither shipped nor saved is an error."""
    user = user_calibration_path(name)
    if user.exists():
        return user
    if name in CALIBRATION_NAMES or package_calibration_path(name).exists():
        return package_calibration_path(name)
    raise SimError(
        f"unknown calibration {name!r}: no {user} and none shipped; expected one of "
        f"{', '.join(CALIBRATION_NAMES)} or a name saved with `rootcauses sim calibrate --save`"
    )


def calibration_exists(name: str) -> bool:
    """Whether ``name`` has a file (the user's or the package's)."""
    check_calibration_name(name)
    return user_calibration_path(name).exists() or package_calibration_path(name).exists()


def calibrated_path() -> Path:
    """The file of the default calibration (:data:`DEFAULT_CALIBRATION`). Default-name lookups go
    through this function, so tests replace it to pin the documented defaults."""
    return calibration_path(DEFAULT_CALIBRATION)


def save_path(target: str) -> Path:
    """Where ``sim calibrate --save TARGET`` writes: a bare name goes to
    ``$ROOTCAUSES_HOME/calibrations/<name>.yaml`` (read from then on); a ``.yaml`` path is
    written as given (not read automatically), but never inside the installed package."""
    if not target.endswith((".yaml", ".yml")):
        return user_calibration_path(target)
    path = Path(target).expanduser().resolve()
    package = Path(str(resources.files("rootcauses.sim"))).resolve()
    if path.is_relative_to(package):
        raise SimError(
            f"--save {target}: never write into the installed package ({package}); "
            "give a name (e.g. --save latest) to save under $ROOTCAUSES_HOME/calibrations/"
        )
    return path


@dataclass(frozen=True)
class CalibrationFile:
    """A loaded calibration: its name, the file it came from (None: no file, documented
    defaults), what made it and the parameter values it sets."""

    name: str
    path: Path | None
    provenance: dict[str, Any]
    overrides: dict[str, float]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": str(self.path) if self.path else None,
            "provenance": self.provenance,
            "overrides": self.overrides,
        }


def read_calibration(
    path: Path, specs: Mapping[str, ParameterSpec], name: str | None = None
) -> CalibrationFile:
    """A calibration file, checked: YAML mapping with ``overrides: {parameter: value}`` (known
    parameters, not levers, inside their ranges) and an optional ``provenance`` mapping."""
    raw = _read_yaml(path, _read_text(path))
    if not isinstance(raw, dict):
        raise SimError(f"{path}: expected a mapping with `provenance` and `overrides`")
    unknown = sorted(set(raw) - set(CALIBRATION_KEYS))
    if unknown:
        raise SimError(
            f"{path}: {unknown[0]}: unknown key (allowed keys: {', '.join(CALIBRATION_KEYS)})"
        )
    overrides = raw.get("overrides")
    if not isinstance(overrides, dict):
        raise SimError(
            f"{path}: overrides: "
            + ("missing" if overrides is None else f"{overrides!r} is not a mapping")
            + "; expected `overrides: {parameter: value}` (`overrides: {}` for none)"
        )
    levers = [k for k in overrides if k in specs and specs[k].lever]
    if levers:
        raise SimError(f"{path}: {levers[0]}: a policy lever; calibrations set no levers")
    values = apply_overrides(specs, overrides, str(path))
    provenance = raw.get("provenance") or {}
    if not isinstance(provenance, dict):
        raise SimError(f"{path}: provenance: expected a mapping (command, seed, households …)")
    return CalibrationFile(
        name=name or path.stem,
        path=path,
        provenance=dict(provenance),
        overrides={k: values[k] for k in overrides},
    )


def load_calibration(
    name: str = DEFAULT_CALIBRATION, specs: Mapping[str, ParameterSpec] | None = None
) -> CalibrationFile:
    """Calibration ``name``, resolved (user's, then package's) and checked against ``specs``
    (default: the documented parameters). No file at all: documented defaults, said so."""
    specs = load_parameter_specs(calibrated=False) if specs is None else specs
    path = calibrated_path() if name == DEFAULT_CALIBRATION else calibration_path(name)
    if not path.exists():
        return CalibrationFile(name, None, {"status": f"no file ({path}): documented defaults"}, {})
    return read_calibration(path, specs, name)


def apply_calibrated(
    specs: dict[str, ParameterSpec],
    path: Path | None = None,
    *,
    name: str = DEFAULT_CALIBRATION,
) -> dict[str, ParameterSpec]:
    """``specs`` with the values of calibration ``name`` (or of the file ``path``) as their
    defaults; unknown keys, levers and out-of-range values are errors naming file and key."""
    if path is None:
        calibration = load_calibration(name, specs)
    elif path.exists():
        calibration = read_calibration(path, specs)
    else:
        return specs
    out = dict(specs)
    where = f"{calibration.name}: {calibration.path}"
    for key, value in calibration.overrides.items():
        out[key] = specs[key].model_copy(update={"value": value, "source": f"calibrated ({where})"})
    return out


def load_parameter_specs(
    path: Path | None = None,
    *,
    calibrated: bool = True,
    calibration: str | None = DEFAULT_CALIBRATION,
) -> dict[str, ParameterSpec]:
    """The default parameter set (the packaged file unless ``path`` is given); for the packaged
    file, with the values of ``calibration`` (default ``latest``) applied, unless ``calibrated``
    is False or ``calibration`` is None (the documented defaults)."""
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
    if path is not None or not calibrated or calibration is None:
        return specs
    return apply_calibrated(specs, name=calibration)


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
