"""Counterfactual histories ("what if"): the calibrated model over the recorded drivers and policy
path, and over the same path with one recorded thing changed — no Title 42, no June 2024 asylum
rule, homicide held at its 2015 level, no hurricanes Eta and Iota.

Why bands and labels: one run's difference mixes the change with seed noise and with parameters
the data do not pin down. Every member here takes the calibration's free parameters from one of
its plausible points (points where the training loss stays within seed noise of the loss expected
at the best point, which ``sim calibrate`` finds and saves; not the box of the per-parameter
intervals, whose corners the data rule out) and runs the recorded history and each
counterfactual with the same seed and point (common random numbers); a difference is labelled
``exceeds the spread`` only where its 5th-95th percentile band over the members excludes zero,
and ``within the spread`` otherwise. Whether any of it is a finding about the world also depends
on whether the model reproduces history at all: the caller passes the validation verdict, which
is reported with every result.

The strategy's aid "delivered in full" is listed and not computed: the model has no channel
from aid to households' income or safety whose size the data give (the ``harris_strategy``
scenario sets one by assumption).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from rootcauses.i18n import N_
from rootcauses.periods import fiscal_year
from rootcauses.sim import engine
from rootcauses.sim.ensemble import CancelEvent, Executor, Member, run_members
from rootcauses.sim.errors import SimError
from rootcauses.sim.scenarios import (
    CalibrationFile,
    ParameterSpec,
    default_values,
    neutral_levers,
)

Progress = Callable[[int, int], None]
ENCOUNTERS = engine.METRICS.index("encounters")
DEPARTURES = engine.METRICS.index("departures")
BAND = (5.0, 95.0)
WINDOW = (2020, 2024)  # fiscal years the differences are summed over
STORMS_REMOVED = ("Eta", "Iota")


@dataclass(frozen=True)
class Counterfactual:
    """One changed history: its id, the question it answers and what it changes in the inputs
    (``extra`` holds arrays read from the store that a change needs)."""

    id: str
    question: str
    change: Callable[[engine.SimInputs, Mapping[str, np.ndarray]], engine.SimInputs]
    caveat: str


def _without_regime(name: str) -> Callable[[engine.SimInputs, Mapping[str, np.ndarray]], Any]:
    def change(inputs: engine.SimInputs, extra: Mapping[str, np.ndarray]) -> engine.SimInputs:
        assert inputs.regimes is not None
        regimes = inputs.regimes.copy()
        regimes[:, engine.REGIMES.index(name)] = 0.0
        return replace(inputs, regimes=regimes)

    return change


def homicide_held_at(year: int) -> Callable[[engine.SimInputs, Mapping[str, np.ndarray]], Any]:
    """From January of ``year`` on, each country's homicide rate is its mean over ``year``."""

    def change(inputs: engine.SimInputs, extra: Mapping[str, np.ndarray]) -> engine.SimInputs:
        months = np.array([m.year for m in inputs.months])
        inside = months == year
        if not inside.any():
            raise SimError(f"the run does not cover {year}: cannot hold homicide at its level")
        rate = inputs.homicide_rate.copy()
        rate[months >= year] = rate[inside].mean(axis=0)
        return replace(inputs, homicide_rate=rate)

    return change


def _without_storms(inputs: engine.SimInputs, extra: Mapping[str, np.ndarray]) -> engine.SimInputs:
    assert inputs.storms is not None
    return replace(inputs, storms=np.maximum(inputs.storms - extra["storms_removed"], 0.0))


# The questions and caveats are marked for the catalogues (N_) and stored in English; the
# Policy lab page and the brief translate them where they show them.
COUNTERFACTUALS: tuple[Counterfactual, ...] = (
    Counterfactual(
        "no_title_42",
        N_("What if Title 42 expulsions had never been applied (March 2020 - May 2023)?"),
        _without_regime("title_42"),
        N_(
            "Encounters count events: without expulsions fewer people cross again, so part of "
            "any difference is repeat crossings, not people."
        ),
    ),
    Counterfactual(
        "no_asylum_rule_2024",
        N_("What if the June 2024 'Securing the Border' asylum rule had not been issued?"),
        _without_regime("securing_the_border"),
        N_(
            "Only four months of the snapshot follow the rule; its removal effect is a "
            "documented assumption unless the calibration window covers it."
        ),
    ),
    Counterfactual(
        "homicide_at_2015",
        N_("What if each country's homicide rate had stayed at its 2015 level?"),
        homicide_held_at(2015),
        N_(
            "The violence coefficient is an association fitted on history, not a causal "
            "effect; homicide fell in all three countries after 2015."
        ),
    ),
    Counterfactual(
        "no_eta_iota",
        N_("What if hurricanes Eta and Iota (November 2020) had not struck?"),
        _without_storms,
        N_(
            "Storm exposure enters as a documented assumption (beta_storm) unless fitted; the "
            "training window holds few storms."
        ),
    ),
)
NOT_COMPUTED = {
    "aid_in_full": N_(
        "What if the strategy's aid had been delivered in full? Not computed: the model has no "
        "channel from aid to households' income or safety whose size the data give (the "
        "root-causes strategy scenario of the Policy lab sets one by assumption)."
    ),
}
ALL_THREE = N_("All three")  # the row of the three countries together


def storms_removed(
    con: Any, inputs: engine.SimInputs, names: Sequence[str] = STORMS_REMOVED
) -> np.ndarray:
    """[month, country] the part of ``inputs.storms`` due to storms named ``names``."""
    import pandas as pd

    index = pd.DatetimeIndex([pd.Timestamp(m) for m in inputs.months])
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    return engine.storm_exposure(con, index, inputs.countries, keep=pattern.search)


def plausible_members(
    calibration: CalibrationFile,
    specs: Mapping[str, ParameterSpec],
    members: int,
    seed: int,
) -> list[Member]:
    """Member i: seed ``seed + i`` and the calibration's free parameters at one of its plausible
    points (drawn with that seed), or at the fitted values when the file has none (a calibration
    made before the points existed: the band is then over seeds only, see :func:`band_basis`)."""
    provenance = calibration.provenance
    fitted = dict(provenance.get("fitted_at_train_start") or {})
    points = list(provenance.get("plausible_points") or [])
    values = default_values(specs)
    values.update(fitted)
    out = []
    for i in range(members):
        drawn = dict(values)
        if points:
            rng = np.random.default_rng([seed + i, 3])
            drawn.update({k: float(v) for k, v in points[int(rng.integers(len(points)))].items()})
        out.append(Member(seed + i, drawn, neutral_levers(drawn, specs)))
    return out


def band_basis(calibration: CalibrationFile) -> str:
    """What a band's members differ in, for the reader."""
    if calibration.provenance.get("plausible_points"):
        return "5th-95th percentile over members: seeds x the calibration's plausible points"
    return (
        "5th-95th percentile over members: seeds only (the calibration has no plausible points; "
        "`rootcauses sim calibrate --method region --start-from NAME --save NAME` adds them)"
    )


def _band(values: np.ndarray) -> dict[str, float]:
    lo, hi = np.percentile(values, BAND)
    return {"median": float(np.median(values)), "lo": float(lo), "hi": float(hi)}


def label(band: Mapping[str, float]) -> str:
    """``exceeds the spread`` when the band excludes zero, else ``within the spread``."""
    return N_("exceeds the spread") if band["lo"] > 0 or band["hi"] < 0 else N_("within the spread")


def _total(difference: np.ndarray, history: np.ndarray) -> dict[str, dict[str, float] | str]:
    """One country's (or all countries') band of the difference and of the recorded history,
    and the difference's :func:`label`."""
    band = _band(difference)
    return {"difference": band, "history": _band(history), "label": label(band)}


def window_mask(months: Sequence[dt.date], years: tuple[int, int] = WINDOW) -> np.ndarray:
    fy = np.array([fiscal_year(m) for m in months])
    return (fy >= years[0]) & (fy <= years[1])


def counterfactual_histories(
    inputs: engine.SimInputs,
    extra: Mapping[str, np.ndarray],
    chosen: CalibrationFile,
    specs: Mapping[str, ParameterSpec],
    *,
    members: int = 8,
    households: int = 100_000,
    seed: int = 0,
    counterfactuals: Sequence[Counterfactual] = COUNTERFACTUALS,
    executor: Executor | None = None,
    progress: Progress | None = None,
    cancel: CancelEvent | None = None,
) -> dict[str, Any]:
    """Each counterfactual's encounters minus the recorded history's, summed over the fiscal
    years :data:`WINDOW`, per country and in all, with 5-95% bands over ``members`` (seeds ×
    plausible points, :func:`plausible_members`) and a label (:func:`label`). ``inputs`` must start
    at the calibration's training start (its base rate is anchored there); ``specs`` are the
    parameters with the calibration applied (``load_parameter_specs(calibration=name)``)."""
    if members < 2:
        raise SimError(f"--members must be at least 2 for a band, got {members}")
    start = chosen.provenance.get("train_start")
    if start and f"{inputs.months[0]:%Y-%m}" != start:
        raise SimError(
            f"calibration {chosen.name!r} is anchored at {start}; the inputs start at "
            f"{inputs.months[0]:%Y-%m}"
        )
    mask = window_mask(inputs.months)
    if not mask.any():
        raise SimError(f"the inputs do not cover FY{WINDOW[0]}..FY{WINDOW[1]}")
    crew = plausible_members(chosen, specs, members, seed)
    worlds = [inputs] + [cf.change(inputs, extra) for cf in counterfactuals]
    total = len(worlds)
    runs, leaving = [], []
    for i, world in enumerate(worlds):
        counts = run_members(world, crew, households, executor, None, cancel)
        runs.append(counts[:, :, :, ENCOUNTERS][:, mask].sum(axis=1))  # [member, country]
        leaving.append(counts[:, :, :, DEPARTURES][:, mask].sum(axis=1))
        if progress:
            progress(i + 1, total)
    recorded, recorded_leaving = runs[0], leaving[0]
    results = []
    for cf, changed, changed_leaving in zip(counterfactuals, runs[1:], leaving[1:], strict=True):
        diff, diff_leaving = changed - recorded, changed_leaving - recorded_leaving
        by_country = {
            country: _total(diff[:, c], recorded[:, c]) | {"departures": _band(diff_leaving[:, c])}
            for c, country in enumerate(inputs.countries)
        }
        by_country["ALL"] = _total(diff.sum(axis=1), recorded.sum(axis=1)) | {
            "departures": _band(diff_leaving.sum(axis=1))
        }
        results.append(
            {"id": cf.id, "question": cf.question, "caveat": cf.caveat, "totals": by_country}
        )
    return {
        "calibration": chosen.name,
        "window": f"FY{WINDOW[0]}..FY{WINDOW[1]}",
        "members": members,
        "households": households,
        "seed": seed,
        "band": band_basis(chosen),
        "counterfactuals": results,
        "not_computed": [{"id": k, "reason": v} for k, v in NOT_COMPUTED.items()],
    }


def validation_verdict(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the validation scorecard (:func:`rootcauses.sim.history.validate`) says about calling
    any difference a finding: the acceptance checks and a sentence."""
    acceptance = dict(report.get("acceptance") or {})
    passed = bool(acceptance.get("all"))
    sentence = (
        N_(
            "The calibration fitted on data up to September 2019 reproduces FY2020-FY2024 within "
            "the acceptance thresholds: differences that exceed the spread are findings of the "
            "model."
        )
        if passed
        else N_(
            "The model does not yet reproduce FY2020-FY2024 when fitted on data up to September "
            "2019 (see `rootcauses sim validate`): no difference below is a finding, whatever "
            "its band; they show what the model's mechanisms imply."
        )
    )
    return {"passed": passed, "acceptance": acceptance, "statement": sentence}


def run_for_store(
    settings: Any,
    calibration: str = "latest",
    *,
    members: int = 8,
    households: int = 100_000,
    seed: int = 0,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """:func:`counterfactual_histories` on the store's recorded history from the calibration's
    training start to the end of the data, with the validation verdict (:func:`validation_verdict`
    of the ``validation`` split at ``households``)."""
    from rootcauses.sim import history
    from rootcauses.sim.scenarios import load_calibration, load_parameter_specs
    from rootcauses.store.query import connect

    chosen = load_calibration(calibration)
    specs = load_parameter_specs(calibration=calibration)
    recorded = history.history_at_training_start(settings, chosen)
    con = connect(settings)
    try:
        extra = {"storms_removed": storms_removed(con, recorded.inputs)}
    finally:
        con.close()
    payload = counterfactual_histories(
        recorded.inputs,
        extra,
        chosen,
        specs,
        members=members,
        households=households,
        seed=seed,
        executor=executor,
        progress=progress,
    )
    report = history.validate(settings, households=households, seed=seed)
    return payload | {
        "kind": "whatif",
        "build_id": recorded.build_id,
        "data_end": recorded.data_end.isoformat(),
        "validation": validation_verdict(report),
        "validation_report": report,
    }


def store_for_pages(settings: Any, payload: Mapping[str, Any]) -> None:
    """Write a :func:`run_for_store` payload as the results snapshots the Policy lab page and the
    brief read: ``sim_whatif`` (:func:`whatif_rows`) and ``sim_validation`` (the validation
    scorecard and series its verdict rests on, :func:`.history.validation_rows`)."""
    from rootcauses.sim import history
    from rootcauses.store import results

    results.write_snapshot(settings, "sim_whatif", whatif_rows(payload))
    results.write_snapshot(
        settings, "sim_validation", history.validation_rows(payload["validation_report"])
    )


ROW_COLUMNS = (
    "id", "question", "caveat", "country", "difference_median", "difference_lo", "difference_hi",
    "history_median", "label", "departures_median", "departures_lo", "departures_hi",
)  # fmt: skip


def whatif_rows(payload: Mapping[str, Any]) -> Any:
    """The stored form of a payload: one row per counterfactual and country (``ALL`` included),
    with the run's settings and the validation verdict repeated on every row."""
    import pandas as pd

    common = {
        "calibration": payload["calibration"],
        "window": payload["window"],
        "members": payload["members"],
        "households": payload["households"],
        "seed": payload["seed"],
        "build_id": payload.get("build_id"),
        "data_end": payload.get("data_end"),
        "validated": bool(payload.get("validation", {}).get("passed", False)),
        "validation_statement": payload.get("validation", {}).get("statement", ""),
    }
    rows = [
        {
            "id": cf["id"],
            "question": cf["question"],
            "caveat": cf["caveat"],
            "country": country,
            "difference_median": entry["difference"]["median"],
            "difference_lo": entry["difference"]["lo"],
            "difference_hi": entry["difference"]["hi"],
            "history_median": entry["history"]["median"],
            "label": entry["label"],
            # people leaving (departures) in the same window: encounters count repeat crossings
            "departures_median": entry.get("departures", {}).get("median"),
            "departures_lo": entry.get("departures", {}).get("lo"),
            "departures_hi": entry.get("departures", {}).get("hi"),
            **common,
        }
        for cf in payload["counterfactuals"]
        for country, entry in cf["totals"].items()
    ]
    return pd.DataFrame(rows)


def _departures(row: Any) -> dict[str, float] | None:
    """A stored row's band of the difference in departures (None in rows stored before it)."""
    keys = ("median", "lo", "hi")
    values = [getattr(row, f"departures_{k}", None) for k in keys]
    if any(v is None or v != v for v in values):  # missing or NaN
        return None
    return {k: float(v) for k, v in zip(keys, values, strict=True) if v is not None}


def group_rows(frame: Any) -> dict[str, Any] | None:
    """The stored rows (one per counterfactual and country) as {settings, validation,
    counterfactuals: [{id, question, caveat, rows: [{country, name, median, lo, hi, history,
    label}]}]}; None when nothing is stored."""
    from rootcauses.countries import country_name

    if frame.empty:
        return None
    first = frame.iloc[0]
    out: dict[str, Any] = {
        "calibration": first["calibration"],
        "window": first["window"],
        "members": int(first["members"]),
        "households": int(first["households"]),
        "data_end": first.get("data_end"),
        "validated": bool(first["validated"]),
        "validation_statement": first["validation_statement"],
        "counterfactuals": [],
        "not_computed": list(NOT_COMPUTED.values()),
    }
    for cf_id, rows in frame.groupby("id", sort=False):
        order = sorted(rows.itertuples(), key=lambda r: (r.country == "ALL", r.country))
        out["counterfactuals"].append(
            {
                "id": cf_id,
                "question": rows.iloc[0]["question"],
                "caveat": rows.iloc[0]["caveat"],
                "rows": [
                    {
                        "country": r.country,
                        "name": ALL_THREE if r.country == "ALL" else country_name(str(r.country)),
                        "median": float(r.difference_median),
                        "lo": float(r.difference_lo),
                        "hi": float(r.difference_hi),
                        "history": float(r.history_median),
                        "label": r.label,
                        "departures": _departures(r),
                    }
                    for r in order
                ],
            }
        )
    return out
