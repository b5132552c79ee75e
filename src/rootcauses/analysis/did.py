"""US border-policy regimes by difference-in-differences across nationalities.

The ``deterrence`` theory of :mod:`rootcauses.analysis.drivers` compares months before and after
a policy for three countries that lived through the same policies: anything else that changed in
those months loads on the policy. Here each regime is compared across the nationalities it did
and did not apply to, in the same months:

    log encounters[g, t] = α_g + λ_t + s_g,month-of-year(t) + δ_g · t
                           + Σ_r β_r · in_force_r(t) · applies(g, r)
                           + Σ_r θ_r · before_r(t) · applies(g, r) + ε

over the monthly Southwest-border encounters (USBP) of Guatemalans, Hondurans, Salvadorans,
Mexicans and everyone else (``OTHER``). Month effects λ_t absorb everything common to the
nationalities (the US labour market, COVID, policies that applied to all); each nationality has
its own level, seasonality and linear trend. ``applies`` (:data:`APPLIES`, from how each policy
worked):

* **MPP** (Remain in Mexico) returned *non-Mexican* asylum seekers to Mexico: Guatemalans,
  Hondurans, Salvadorans and others treated, Mexicans the control.
* **The June 2019 US–Mexico agreement** (National Guard, border-wide MPP) acted on migrants
  crossing Mexico: the same treated groups, Mexicans the control.
* **Title 42**: Mexico took back expelled Mexicans, Guatemalans, Hondurans and Salvadorans; most
  other nationalities could not be expelled to Mexico (until Venezuelans in October 2022 and
  Cubans, Haitians and Nicaraguans in January 2023): the four treated, ``OTHER`` the control.
* **CBP One** and **Securing the Border** applied to every nationality: the month effects absorb
  them and they are **not identified** here (listed with that note, no number).

β_r is the change in log encounters of the treated nationalities relative to the controls while
the regime was in force (as a share of the month, from :func:`rootcauses.panel.policy_regimes`).
θ_r, the same contrast in the 12 months *before* the regime, is a check of parallel trends: far
from zero, the comparison is suspect. Inference as in the driver models: Driscoll–Kraay over
months with a plug-in bandwidth and fixed-b critical values, and a moving-block bootstrap.

What this cannot identify: effects of policies that applied to everyone; effects that spill over
to the controls (a Honduran deterred by MPP is not a Mexican who came instead, but Mexican
enforcement also stopped Mexicans' journeys); differences between the nationalities that
happened to coincide with a regime (Venezuelans, Cubans and Nicaraguans dominate ``OTHER`` from
2021, and their own crises drove them); and the regimes overlap in time (MPP, the agreement and
Title 42), so each β is conditional on the others. These are associations under a
parallel-trends assumption, not established causal effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from rootcauses.analysis.inference import block_bootstrap, driscoll_kraay
from rootcauses.errors import ModelError
from rootcauses.panel import Basis

GROUPS = ("GTM", "HND", "SLV", "MEX", "OTHER")
NORTHERN = frozenset({"GTM", "HND", "SLV"})
APPLIES: dict[str, frozenset[str]] = {
    "mpp": NORTHERN | {"OTHER"},
    "mexico_enforcement": NORTHERN | {"OTHER"},
    "title_42": NORTHERN | {"MEX"},
}
NOT_IDENTIFIED: dict[str, str] = {
    "cbp_one": "applied to every nationality: absorbed by the month effects, not identified",
    "securing_the_border": (
        "applied to every nationality: absorbed by the month effects, not identified"
    ),
}
LEAD_MONTHS = 12
LIMITS = (
    "Policies that applied to every nationality (CBP One, Securing the Border) are not "
    "identified; the contrasts assume the nationalities would have moved in parallel, which the "
    "12 months before each regime test; spill-overs to the controls, crises specific to the "
    "other nationalities and overlapping regimes remain. Associations, not established effects."
)
BASE_YEAR = 2000


@dataclass
class DidResult:
    table: pd.DataFrame
    months: int
    bandwidth: int
    resid_ac1: float


def did_frame(encounters: pd.DataFrame, regimes: pd.DataFrame) -> pd.DataFrame:
    """Group × month rows: log encounters, the regime exposures and their 12-month leads.
    ``encounters``: month, citizenship (the :data:`GROUPS`), count; ``regimes``: month index
    × regime share of days in force."""
    missing = sorted(set(GROUPS) - set(encounters["citizenship"]))
    if missing:
        raise ModelError(f"difference-in-differences: no encounters for {missing}")
    data = encounters[encounters["citizenship"].isin(GROUPS)].rename(
        columns={"citizenship": "group"}
    )
    data = data.assign(month=pd.to_datetime(data["month"]))
    if (data["count"] <= 0).any():
        row = data[data["count"] <= 0].iloc[0]
        raise ModelError(f"no encounters of {row['group']} in {row['month']:%Y-%m}: log undefined")
    data["y"] = np.log(data["count"].astype(float))
    shares = regimes.reindex(pd.DatetimeIndex(data["month"].unique())).fillna(0.0)
    for regime, applies in APPLIES.items():
        if regime not in shares.columns:
            raise ModelError(f"difference-in-differences: no regime column {regime!r}")
        share = shares[regime]
        first = share[share > 0].index.min()
        lead = pd.Series(0.0, index=shares.index)
        if pd.notna(first):
            window = (shares.index >= first - pd.DateOffset(months=LEAD_MONTHS)) & (
                shares.index < first
            )
            lead[window] = 1.0
        treated = data["group"].isin(applies).to_numpy(float)
        data[regime] = share.reindex(data["month"]).to_numpy() * treated
        data[f"{regime}_before"] = lead.reindex(data["month"]).to_numpy() * treated
    return data.sort_values(["group", "month"]).reset_index(drop=True)


def _design(data: pd.DataFrame, drivers: list[str]) -> np.ndarray:
    group = pd.get_dummies(data["group"], dtype=float)
    month = pd.get_dummies(data["month"], dtype=float).iloc[:, 1:]
    season = pd.get_dummies(data["group"] + "_" + data["month"].dt.month.astype(str), dtype=float)
    # each group's own seasonality, with one month per group absorbed by its level
    season = season[[c for c in season.columns if not c.endswith("_1")]]
    t = (data["month"].dt.year - BASE_YEAR) + (data["month"].dt.month - 1) / 12
    trends = group.mul(t.to_numpy(), axis=0).iloc[:, 1:]  # one trend absorbed by the months
    return np.column_stack([data[drivers].to_numpy(float), group, month, season, trends.to_numpy()])


def fit_did(data: pd.DataFrame, *, seed: int = 0, draws: int = 499) -> DidResult:
    """β (in force) and θ (the 12 months before) of every identified regime, with Driscoll–
    Kraay (fixed-b) and block-bootstrap intervals; the regimes that cannot be identified are
    listed with the reason."""
    drivers = [*APPLIES, *(f"{r}_before" for r in APPLIES)]
    X = _design(data, drivers)
    y = data["y"].to_numpy(float)
    periods = data["month"].to_numpy()
    result = driscoll_kraay(X, y, len(drivers), periods, data["group"].to_numpy())
    boot = block_bootstrap(
        X, y, len(drivers), periods, block=max(result.bandwidth, 1), draws=draws, seed=seed
    )
    rows = []
    for i, name in enumerate(drivers):
        regime = name.removesuffix("_before")
        treated = sorted(APPLIES[regime])
        rows.append(
            {
                "regime": regime,
                "term": "12 months before" if name.endswith("_before") else "in force",
                "treated": ", ".join(treated),
                "control": ", ".join(g for g in GROUPS if g not in APPLIES[regime]),
                "coef": result.coef[i],
                "lo95": result.lo95[i],
                "hi95": result.hi95[i],
                "p_value": result.p_value[i],
                "boot_lo95": boot.lo95[i],
                "boot_hi95": boot.hi95[i],
                "boot_p_value": boot.p_value[i],
                "months_in_force": int((data.loc[data[name] > 0, "month"]).nunique()),
                "note": "",
            }
        )
    for row in rows:
        notes = []
        lead = next(r for r in rows if r["regime"] == row["regime"] and r["term"] != "in force")
        if row["term"] == "in force" and lead["p_value"] < 0.05:
            notes.append(
                "the 12 months before already differ (p < 0.05): parallel trends fail, the "
                "contrast is not credible"
            )
        if row["months_in_force"] < boot.block:
            notes.append(
                f"shorter than the {boot.block}-month bootstrap block: the bootstrap interval is "
                "not informative"
            )
        row["note"] = "; ".join(notes)
    for regime, why in NOT_IDENTIFIED.items():
        rows.append({"regime": regime, "term": "in force", "treated": "all", "note": why})
    return DidResult(
        table=pd.DataFrame(rows),
        months=int(data["month"].nunique()),
        bandwidth=result.bandwidth,
        resid_ac1=result.resid_ac1,
    )


def read(con: duckdb.DuckDBPyConnection, *, basis: Basis = "usbp") -> pd.DataFrame:
    """The difference-in-differences frame from the store (monthly encounters by the headline
    nationalities and the policy regimes from the events)."""
    from rootcauses.panel import policy_regimes
    from rootcauses.store import query

    encounters = query.encounters_monthly(con, basis=basis, headline=True)
    months = pd.date_range(encounters["month"].min(), encounters["month"].max(), freq="MS")
    return did_frame(encounters, policy_regimes(con, months))
