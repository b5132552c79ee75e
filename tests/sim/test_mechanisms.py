"""Each mechanism of the policy lab on the tiny hand-built world (tests/sim/conftest.py): one
origin, a 14-day path, one US sector. Outcomes are computed by hand or compared with the same
world with the mechanism switched off."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest

from rootcauses.sim import engine, kernel
from rootcauses.sim.engine import METRICS, REGIMES
from tests.sim.conftest import tiny_inputs


def _col(name: str) -> int:
    return METRICS.index(name)


def _safe(params: dict[str, float]) -> dict[str, float]:
    """No interdiction, death or escape: every migrant reaches the border the month it leaves."""
    params.update(
        mx_interdiction_per_1000km=0.0,
        death_per_1000km=0.0,
        crossing_death_probability=0.0,
        us_encounter_probability=1.0,
        encounter_probability_family_uac=1.0,
        voluntary_return_rate=0.0,
    )
    return params


def _with_regimes(inputs: engine.SimInputs, **shares: np.ndarray | float) -> engine.SimInputs:
    regimes = np.zeros((len(inputs.months), len(REGIMES)))
    for name, value in shares.items():
        regimes[:, REGIMES.index(name)] = value
    return replace(inputs, regimes=regimes)


def _counts(inputs, params, households=20_000, seed=3, **kwargs) -> np.ndarray:
    return engine.simulate(inputs, params, params, households, seed, **kwargs).counts[:, 0]


@pytest.mark.parametrize("exact", [False, True])
def test_a_household_keeps_deciding_after_a_member_settles(tiny_network, params, exact):
    """Everyone who reaches the border is released: the households stay and send again, so over
    a year there are more departures than households (impossible if a household left for good)."""
    _safe(params).update(
        base_departure_rate=0.4,
        us_return_probability=0.0,
        removal_family=0.0,
        removal_uac=0.0,
        settle_delay_months=0,
    )
    n = 5_000
    counts = _counts(tiny_inputs(tiny_network), params, households=n, exact=exact)
    assert counts[:, _col("departures")].sum() > 2 * n
    assert (counts[:, _col("at_home")] + counts[:, _col("in_transit")] == n).all()
    assert counts[-1, _col("in_us")] == counts[:, _col("released_us")].sum()


@pytest.mark.parametrize("exact", [False, True])
def test_settle_delay_holds_the_household(tiny_network, params, exact):
    """All leave in month 0 and settle; with a 3-month wait nobody leaves in months 1-3, then
    (almost) all leave again in month 4."""
    _safe(params).update(
        base_departure_rate=0.999,
        us_return_probability=0.0,
        removal_family=0.0,
        removal_uac=0.0,
        settle_delay_months=3,
    )
    n = 2_000
    departures = _counts(tiny_inputs(tiny_network, months=6), params, n, exact=exact)[
        :, _col("departures")
    ]
    assert departures[0] > 0.99 * n
    assert departures[1:4].sum() <= n - departures[0]
    assert departures[4] > 0.98 * departures[0]


@pytest.mark.parametrize("exact", [False, True])
def test_the_expelled_cross_again_and_are_counted_again(tiny_network, params, exact):
    """Single adults only, all expelled under Title 42 and all crossing again: each one is met
    every month from the month it left, so this month's encounters are all departures so far, and
    all but this month's departures are re-encounters."""
    _safe(params).update(
        base_departure_rate=0.02,
        share_uac=0.0,
        share_family=0.0,
        title42_expulsion_probability=1.0,
        recross_probability=1.0,
    )
    inputs = _with_regimes(tiny_inputs(tiny_network), title_42=1.0)
    counts = _counts(inputs, params, exact=exact)
    departures = counts[:, _col("departures")]
    np.testing.assert_array_equal(counts[:, _col("encounters")], np.cumsum(departures))
    np.testing.assert_array_equal(
        counts[:, _col("re_encounters")], np.cumsum(departures) - departures
    )
    np.testing.assert_array_equal(counts[:, _col("expulsions")], counts[:, _col("encounters")])
    assert counts[:, _col("returned_us")].sum() == 0
    np.testing.assert_array_equal(counts[:, _col("in_transit")], np.cumsum(departures))


def test_children_travelling_alone_are_not_expelled(tiny_network, params):
    _safe(params).update(base_departure_rate=0.02, share_uac=1.0, share_family=0.0)
    inputs = _with_regimes(tiny_inputs(tiny_network), title_42=1.0)
    counts = _counts(inputs, params, households=30_000)
    encounters = counts[:, _col("encounters")].sum()
    assert encounters == counts[:, _col("encounters_uac")].sum() > 1_000
    assert counts[:, _col("expulsions")].sum() == 0
    released = counts[:, _col("released_us")].sum() / encounters
    assert released == pytest.approx(1 - params["removal_uac"], abs=0.02)


def test_families_and_adults_have_their_own_outcomes(tiny_network, params):
    """Under Title 42 with no second crossing, the returned share of each type is its expulsion
    rate plus its Title 8 removal rate on the rest."""
    _safe(params).update(
        base_departure_rate=0.03, share_uac=0.0, share_family=0.5, recross_probability=0.0
    )
    inputs = _with_regimes(tiny_inputs(tiny_network), title_42=1.0)
    counts = _counts(inputs, params, households=60_000)
    family = counts[:, _col("encounters_family")].sum()
    single = counts[:, _col("encounters_single")].sum()
    returned = counts[:, _col("returned_us")].sum()
    expect = {
        "family": params["title42_expulsion_family"]
        + (1 - params["title42_expulsion_family"]) * params["removal_family"],
        "single": params["title42_expulsion_probability"]
        + (1 - params["title42_expulsion_probability"]) * params["us_return_probability"],
    }
    assert family / (family + single) == pytest.approx(0.5, abs=0.03)
    assert returned / (family + single) == pytest.approx(
        (family * expect["family"] + single * expect["single"]) / (family + single), abs=0.02
    )


def test_cbp_one_takes_adults_to_ports_of_entry(tiny_network, params):
    _safe(params).update(
        base_departure_rate=0.03, share_uac=0.0, share_family=0.0, cbp_one_port_share=0.5
    )
    inputs = _with_regimes(tiny_inputs(tiny_network), cbp_one=1.0)
    counts = _counts(inputs, params, households=30_000)
    ports = counts[:, _col("port_entries")].sum()
    encounters = counts[:, _col("encounters")].sum()
    assert ports / (ports + encounters) == pytest.approx(0.5, abs=0.03)


def test_border_rules_by_hand(inputs, params):
    params.update(
        title42_expulsion_probability=0.8,
        title42_expulsion_family=0.4,
        us_return_probability=0.5,
        removal_family=0.1,
        mpp_return_share=0.3,
        us_return_multiplier=1.0,
    )
    world = _with_regimes(inputs, title_42=1.0, mpp=0.5)
    rules = engine.border_rules(world, params)[0]
    single, family, uac = (kernel.TYPES.index(k) for k in ("single", "family", "uac"))
    assert rules[single, kernel.B_EXPEL] == pytest.approx(0.8)
    assert rules[single, kernel.B_REMOVE] == pytest.approx(0.2 * (0.5 + 0.5 * 0.3))
    assert rules[family, kernel.B_EXPEL] == pytest.approx(0.4)
    assert rules[family, kernel.B_REMOVE] == pytest.approx(0.6 * (0.1 + 0.15))
    assert rules[uac, kernel.B_EXPEL] == 0.0
    fav = engine.favourable_probability(rules)
    enc, recross = params["us_encounter_probability"], params["recross_probability"]
    each_try = (1 - enc) + enc * (1 - 0.8 - 0.2 * 0.65)
    # a trip: tries until one is not an expulsion followed by crossing again
    assert fav[single] == pytest.approx(each_try / (1 - enc * 0.8 * recross))
    params.update(recross_probability=0.0)
    fav = engine.favourable_probability(engine.border_rules(world, params)[0])
    assert fav[single] == pytest.approx(each_try)


def test_a_trip_counts_once_at_the_border_whatever_its_tries(tiny_network, params, monkeypatch):
    """Title 42 expels every single adult, who always crosses again until got away: each trip
    counts once among the arrivals and, ending in the US, once among the favourable outcomes,
    so the share the households learn from is the trips' (1), not the tries' (1 − encounter)."""
    _safe(params).update(
        share_uac=0.0,
        share_family=0.0,
        us_encounter_probability=0.5,
        title42_expulsion_probability=1.0,
        recross_probability=1.0,
        base_departure_rate=0.02,
    )
    inputs = _with_regimes(tiny_inputs(tiny_network, months=6), title_42=1.0)
    trips = {"arrived": 0, "favourable": 0}
    original = engine.Feedbacks.update

    def spy(self, tally, params):
        single = kernel.TYPES.index("single")
        trips["arrived"] += int(tally.types[0, single, kernel.T_ARRIVED])
        trips["favourable"] += int(tally.types[0, single, kernel.T_FAVOURABLE])
        original(self, tally, params)

    monkeypatch.setattr(engine.Feedbacks, "update", spy)
    counts = _counts(inputs, params, households=20_000)
    encounters = counts[:, _col("encounters")].sum()
    assert counts[:, _col("re_encounters")].sum() > 0.3 * encounters  # many tries per trip
    assert trips["arrived"] < 0.8 * (encounters + counts[:, _col("got_away")].sum())
    assert trips["favourable"] == counts[:, _col("got_away")].sum()
    # the trips still under way when the run ends are counted as arrived, not yet favourable
    assert trips["favourable"] >= 0.8 * trips["arrived"]


def test_feedbacks_update_by_hand(params):
    params.update(expectation_weight=0.25, cascade_memory=0.5, base_departure_rate=0.01)
    people = SimpleNamespacePopulation(
        origin=np.array([0, 0, 0, 1]), network=np.array([1, 0, 0, 0])
    )
    border0 = np.zeros((len(kernel.TYPES), 5))
    border0[:, kernel.B_ENCOUNTER] = 1.0
    border0[:, kernel.B_REMOVE] = [0.0, 0.5, 1.0]  # favourable 1, 0.5, 0
    fb = engine.Feedbacks.start(border0, people, 1, 2, params)
    np.testing.assert_allclose(fb.expectation, [[1.0, 0.5, 0.0]])
    assert fb.cascade0 == pytest.approx(1000 * 0.01 / 0.5)
    tally = kernel.new_tally(1, 1, 2)
    tally.types[0, :, kernel.T_ARRIVED] = [4, 0, 10]
    tally.types[0, :, kernel.T_FAVOURABLE] = [2, 0, 5]
    tally.origins[:, kernel.O_DEPARTURES] = [3, 0]
    tally.origins[:, kernel.O_NEW_NETWORK] = [1, 1]
    fb.update(tally, params)
    # E = 0.75·E + 0.25·(met share); a type nobody of arrived keeps its E
    np.testing.assert_allclose(fb.expectation, [[0.75 + 0.25 * 0.5, 0.5, 0.25 * 0.5]])
    np.testing.assert_allclose(fb.cascade, [0.5 * 20 + 1000 * 3 / 3, 0.5 * 20])
    params.update(beta_diffusion=2.0, beta_cascade=0.0, beta_expectation=4.0)
    np.testing.assert_allclose(fb.origin_term(params), [2.0 * 1 / 3, 2.0 * 1 / 1])
    shares = np.array([0.2, 0.3, 0.5])
    assert fb.country_term(params, shares)[0] == pytest.approx(4.0 * (0.2 * -0.125 + 0.5 * 0.125))


def test_an_announcement_moves_expectations_by_hand(params):
    """A restrictive announcement moves every perceived chance a share toward 0, a permissive one
    toward 1; outcomes then pull them back (update, above)."""
    people = SimpleNamespacePopulation(origin=np.array([0, 1]), network=np.array([0, 0]))
    border0 = np.zeros((len(kernel.TYPES), 5))
    border0[:, kernel.B_ENCOUNTER] = 1.0
    border0[:, kernel.B_REMOVE] = [0.0, 0.5, 1.0]  # favourable 1, 0.5, 0
    fb = engine.Feedbacks.start(border0, people, 1, 2, params)
    params.update(announcement_shift=0.4)
    fb.announce(-1, params)
    np.testing.assert_allclose(fb.expectation, [[0.6, 0.3, 0.0]])
    fb.announce(+1, params)
    np.testing.assert_allclose(fb.expectation, [[0.76, 0.58, 0.4]])
    params.update(announcement_shift=0.0)
    fb.announce(-1, params)
    np.testing.assert_allclose(fb.expectation, [[0.76, 0.58, 0.4]])


def test_announcements_fall_in_the_first_month_after_their_date():
    months = [dt.date(2016, 12, 1) + dt.timedelta(days=31 * k) for k in range(4)]
    months = [m.replace(day=1) for m in months]  # 2016-12 .. 2017-03
    np.testing.assert_array_equal(engine.announcement_signal(months), [0, 0, -1, 0])
    later = [dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2025, 2, 1)]
    np.testing.assert_array_equal(engine.announcement_signal(later), [0, 1, -1])
    assert not engine.announcement_signal([dt.date(2019, 1, 1)]).any()


def test_a_restrictive_announcement_lowers_departures_until_outcomes_pull_back(
    tiny_network, params
):
    """The tiny world moved to October 2016: January 2017's order lands in February (month 4).
    With learning households (β_expectation > 0) departures fall right after it against the same
    world without the announcement, and the gap closes as the released migrants' outcomes
    (unchanged at the border) bring the perceived chance back."""
    _safe(params).update(
        base_departure_rate=0.02, beta_expectation=6.0, expectation_weight=0.5, removal_uac=0.0
    )
    params.update(us_return_probability=0.0, removal_family=0.0)
    base = tiny_inputs(tiny_network, months=14)
    start = pd.Timestamp("2016-10-01")
    inputs = replace(
        base, months=tuple((start + pd.DateOffset(months=t)).date() for t in range(14))
    )
    departures = {}
    for shift in (0.0, 0.6):
        params.update(announcement_shift=shift)
        departures[shift] = _counts(inputs, params, households=40_000)[:, _col("departures")]
    with_it, without = departures[0.6], departures[0.0]
    assert with_it[:4].sum() == without[:4].sum()  # the same draws before the announcement
    assert with_it[4:6].sum() < 0.6 * without[4:6].sum()
    assert with_it[11:].sum() > 0.85 * without[11:].sum()


def test_removals_are_capped_at_the_recorded_capacity_by_hand(params):
    """Demand = weighted encounters × removal probability; above share × capacity the removal
    probabilities shrink by their ratio (the rest are released); below it nothing changes."""
    border = np.zeros((len(kernel.TYPES), 5))
    border[:, kernel.B_REMOVE] = [0.03, 0.1, 0.6]
    last = np.zeros((2, len(engine.METRICS)))  # [country, metric], sampled
    last[:, kernel.ENCOUNTERS_UAC : kernel.ENCOUNTERS_SINGLE + 1] = [[10, 20, 30], [0, 0, 10]]
    weights = np.array([2.0, 1.0])
    demand = 2 * (0.3 + 2 + 18) + 1 * 6  # 46.6
    params.update(removal_capacity_share=0.5)
    capped = engine.border_capacity(border, last, weights, 40.0, np.nan, params)
    np.testing.assert_allclose(capped[:, kernel.B_REMOVE], border[:, kernel.B_REMOVE] * 20 / demand)
    assert border[2, kernel.B_REMOVE] == 0.6  # the month's rules are not changed in place
    assert engine.border_capacity(border, last, weights, 100.0, np.nan, params) is border
    assert engine.border_capacity(border, last, weights, np.nan, np.nan, params) is border
    params.update(removal_capacity_share=0.0)
    assert engine.border_capacity(border, last, weights, 1.0, np.nan, params) is border


def test_port_entries_are_capped_at_the_recorded_port_encounters_by_hand(params):
    """Demand for appointments = weighted adults at the border last month (families and single
    adults encountered, got away, at a port) × the port share; above the recorded port
    encounters the share shrinks by their ratio; children never use a port."""
    border = np.zeros((len(kernel.TYPES), 5))
    border[1:, kernel.B_PORT] = 0.4
    last = np.zeros((1, len(engine.METRICS)))
    last[0, [kernel.ENCOUNTERS_UAC, kernel.ENCOUNTERS_FAMILY, kernel.ENCOUNTERS_SINGLE]] = [
        5,
        10,
        20,
    ]
    last[0, [kernel.GOT_AWAY, kernel.PORT_ENTRIES]] = [4, 6]
    weights = np.array([10.0])
    params.update(removal_capacity_share=0.0)
    demand = 10 * (10 + 20 + 4 + 6) * 0.4  # 160
    capped = engine.border_capacity(border, last, weights, np.nan, 40.0, params)
    np.testing.assert_allclose(capped[:, kernel.B_PORT], [0.0, 0.4 * 40 / demand, 0.1])
    assert engine.border_capacity(border, last, weights, np.nan, 200.0, params) is border
    assert engine.border_capacity(border, last, weights, np.nan, np.nan, params) is border


def test_a_binding_removal_capacity_releases_more_and_raises_departures(tiny_network, params):
    """Single adults only, removed with probability 0.9 while uncapped: a capacity far below
    the demand releases most of them, households learn it (β_expectation > 0) and more leave."""
    _safe(params).update(
        share_uac=0.0,
        share_family=0.0,
        us_return_probability=0.9,
        base_departure_rate=0.02,
        beta_expectation=4.0,
        expectation_weight=0.5,
    )
    base = tiny_inputs(tiny_network, months=12)
    results = {}
    for capacity in (np.nan, 1.0):
        inputs = replace(base, removal_capacity=np.full(12, capacity))
        params.update(removal_capacity_share=1.0)
        results[capacity] = _counts(inputs, params, households=30_000)
    free, capped = results[np.nan], results[1.0]
    assert capped[1:, _col("released_us")].sum() > 5 * free[1:, _col("released_us")].sum()
    assert capped[6:, _col("departures")].sum() > 1.2 * free[6:, _col("departures")].sum()


class SimpleNamespacePopulation:
    def __init__(self, origin: np.ndarray, network: np.ndarray) -> None:
        self.origin = origin.astype(np.uint8)
        self.network = network.astype(np.uint8)


def test_expectations_move_departures_when_the_border_changes(tiny_network, params):
    """Title 42 starts in month 6: with households that learn from their migrants' outcomes
    (β_expectation > 0) departures fall afterwards against the same world without learning."""
    _safe(params).update(base_departure_rate=0.02, recross_probability=0.0)
    t42 = np.r_[np.zeros(6), np.ones(12)]
    inputs = _with_regimes(tiny_inputs(tiny_network, months=18), title_42=t42)
    after = {}
    for beta in (0.0, 6.0):
        params.update(beta_expectation=beta)
        counts = _counts(inputs, params, households=40_000)
        after[beta] = counts[9:, _col("departures")].sum()
    assert after[6.0] < 0.7 * after[0.0]


def test_diffusion_raises_departures_as_networks_grow(tiny_network, params):
    _safe(params).update(
        base_departure_rate=0.03,
        us_return_probability=0.0,
        removal_family=0.0,
        removal_uac=0.0,
        network_share=0.0,
        remittance_share=0.0,
    )
    late = {}
    for beta in (0.0, 5.0):
        params.update(beta_diffusion=beta, beta_cascade=0.0)
        late[beta] = _counts(tiny_inputs(tiny_network), params, 30_000)[8:, 0].sum()
    assert late[5.0] > 1.2 * late[0.0]


def test_the_covid_backlog_by_hand(tiny_network, params):
    """Owed while closed (departures × (e^(−β·s) − 1) × share), paid at owed / (months × usual)
    once open; the extra departures made pay it down."""
    params.update(
        beta_covid=-np.log(2.0),
        covid_deferral_share=1.0,
        covid_release_months=2.0,
        base_departure_rate=0.01,
    )
    inputs = tiny_inputs(tiny_network)
    backlog = engine.Backlog.start(np.array([1000]), inputs, params)
    np.testing.assert_allclose(backlog.usual, [10.0])
    one_each = np.zeros(tiny_network.origins.size)
    assert backlog.term(1.0, params) == pytest.approx([0.0])  # closed: no catch-up
    backlog.update(1.0, one_each + 5 / one_each.size, params)
    np.testing.assert_allclose(backlog.owed, [5.0])  # 5 made, 5 more held back (e^ln2 − 1 = 1)
    np.testing.assert_allclose(backlog.usual, [0.7 * 10 + 0.3 * 5 * 2])
    assert backlog.term(0.0, params) == pytest.approx(np.log([1 + 5 / (2 * 10)]))
    backlog.update(0.0, one_each + 12 / one_each.size, params)
    extra = 12 * (1 - 1 / 1.25)
    np.testing.assert_allclose(backlog.owed, [5 - extra])
    np.testing.assert_allclose(backlog.usual, [0.7 * 10 + 0.3 * (12 - extra)])
    params.update(covid_deferral_share=0.0)
    fresh = engine.Backlog.start(np.array([1000]), inputs, params)
    fresh.update(1.0, one_each + 5 / one_each.size, params)
    assert fresh.owed == pytest.approx([0.0])


def test_departures_held_back_by_a_closure_are_made_up_after_it(tiny_network, params):
    """Closed in months 3-5: with the catch-up, departures after the closure exceed the same world
    without it by about what the closure held back, and nothing changes before the closure."""
    _safe(params).update(base_departure_rate=0.02, beta_covid=-2.0, covid_release_months=3.0)
    closure = np.r_[np.zeros(3), np.ones(3), np.zeros(12)]
    inputs = replace(tiny_inputs(tiny_network, months=18), covid=closure)
    runs = {}
    for share in (0.0, 1.0):
        params.update(covid_deferral_share=share)
        runs[share] = _counts(inputs, params, households=40_000)[:, _col("departures")]
    np.testing.assert_array_equal(runs[0.0][:6], runs[1.0][:6])
    held = runs[0.0][3:6].sum() * (np.exp(2.0) - 1)
    made_up = runs[1.0][6:].sum() - runs[0.0][6:].sum()
    assert 0.7 * held < made_up < 1.3 * held


def test_country_effects_and_season_by_hand(inputs, params):
    params.update(season_cos=0.4, season_sin=-0.2, country_effect_HND=0.7)
    hnd = replace(inputs, countries=("HND",))
    shift = engine._month_terms_all(hnd, params)["country_shift"][:, 0]
    months = np.array([d.month for d in hnd.months])
    angle = 2 * np.pi * (months - 1) / 12
    np.testing.assert_allclose(shift, 0.7 + 0.4 * np.cos(angle) - 0.2 * np.sin(angle))
    gtm = engine._month_terms_all(inputs, params)["country_shift"][:, 0]
    np.testing.assert_allclose(shift - gtm, 0.7)  # Guatemala is the reference


def _events_store(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frame = pd.DataFrame(
        rows, columns=["date", "end_date", "country", "category", "event", "source_url", "source"]
    )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["end_date"] = pd.to_datetime(frame["end_date"]).dt.date
    con.register("frame", frame)
    con.execute("CREATE TABLE events AS SELECT * FROM frame")
    return con


# the June 2019 US-Mexico agreement as a row of the events table
AGREEMENT_EVENT = (
    "2019-06-07",
    None,
    "XNT",
    "policy",
    "US-Mexico migration agreement: border-wide MPP expansion",
    "",
    "s",
)


def test_regimes_from_events_end_early_and_reach_past_the_data(monkeypatch):
    """MPP ends at the DHS memo (not at its row's formal end); an entry suspension dated after
    any encounter data still applies."""
    undated = tuple(replace(r, ended_on=None) for r in engine.SIM_REGIMES)
    monkeypatch.setattr(engine, "SIM_REGIMES", undated)
    con = _events_store(
        [
            ("2019-01-29", "2022-08-08", "XNT", "policy", "Migrant Protection Protocols", "", "s"),
            ("2021-06-01", None, "XNT", "policy", "DHS memo terminates MPP", "", "s"),
            ("2025-01-20", None, "XNT", "policy", "Proclamation suspends entry", "", "s"),
        ]
    )
    index = pd.date_range("2019-01-01", "2025-03-01", freq="MS")
    shares = engine.regime_shares(con, index)
    mpp = pd.Series(shares[:, REGIMES.index("mpp")], index=index)
    assert mpp["2019-01-01"] == pytest.approx(3 / 31)
    assert mpp["2021-05-01"] == 1.0 and mpp["2021-06-01"] == 0.0 and mpp["2022-01-01"] == 0.0
    suspension = pd.Series(shares[:, REGIMES.index("entry_suspension")], index=index)
    assert suspension["2025-01-01"] == pytest.approx(12 / 31)
    assert suspension["2025-03-01"] == 1.0 and suspension[:"2024-12-01"].sum() == 0


def test_the_simulation_reads_the_driver_models_regimes_with_its_own_differences():
    """One coding of the regimes (panel.REGIMES) for both: the simulation differs only where a
    migrant's outcome needs it — MPP's dated end of enrolments and pilot, Mexican enforcement
    and the June 2024 rule kept in force (and Mexico's earlier Southern Border Program, before
    this table's months), and the 2025 entry suspension; Title 42 and CBP One are the same
    rows."""
    from rootcauses import panel

    con = _events_store(
        [
            ("2019-01-29", "2022-08-08", "XNT", "policy", "Migrant Protection Protocols", "", "s"),
            AGREEMENT_EVENT,
            ("2020-03-20", "2023-05-11", "XNT", "policy", "Title 42 expulsions", "", "s"),
            ("2021-06-01", None, "XNT", "policy", "DHS memo terminates MPP", "", "s"),
            ("2023-01-01", "2025-01-20", "XNT", "policy", "CBP One app", "", "s"),
            ("2024-06-05", None, "XNT", "policy", "Securing the Border rule", "", "s"),
            ("2025-01-20", None, "XNT", "policy", "Proclamation suspends entry", "", "s"),
        ]
    )
    index = pd.date_range("2019-01-01", "2025-06-01", freq="MS")
    sim = pd.DataFrame(engine.regime_shares(con, index), index=index, columns=REGIMES)
    drivers = panel.policy_regimes(con, index)
    for same in ("title_42", "cbp_one"):
        pd.testing.assert_series_equal(sim[same], drivers[same], check_names=False)
    assert drivers.loc["2021-05-01", "mpp"] == 1.0 and sim.loc["2021-05-01", "mpp"] == 0.0
    assert drivers.loc["2019-02-01", "mpp"] == 1.0
    assert sim.loc["2019-02-01", "mpp"] == engine.MPP_PILOT_INTENSITY  # before the expansion
    assert sim.loc["2019-07-01", "mpp"] == 1.0
    assert drivers.loc["2020-06-01", "mexico_enforcement"] == 0.0
    assert sim.loc["2025-06-01", "mexico_enforcement"] == 1.0
    assert drivers.loc["2025-03-01", "securing_the_border"] == 0.0
    assert sim.loc["2025-03-01", ["securing_the_border", "entry_suspension"]].tolist() == [1, 1]
    assert "entry_suspension" not in drivers


def test_mexican_enforcement_has_the_southern_border_program_before_its_events():
    """The Southern Border Program is dated in the code (the events table starts in 2019): in
    force from 7 July 2014 to its end, off until the June 2019 agreement; the driver models'
    regime has no such span."""
    from rootcauses import panel
    from rootcauses.store import query

    con = _events_store(
        [
            AGREEMENT_EVENT,
        ]
    )
    index = pd.date_range("2014-06-01", "2019-07-01", freq="MS")
    sim = pd.Series(
        engine.regime_shares(con, index)[:, REGIMES.index("mexico_enforcement")], index=index
    )
    first, last = engine.MEXICO_SOUTHERN_BORDER
    after = pd.Timestamp(last) + pd.offsets.MonthBegin(1)
    assert sim["2014-06-01"] == 0.0 and sim["2014-07-01"] == pytest.approx(25 / 31)
    assert (sim[pd.Timestamp(first) + pd.offsets.MonthBegin(1) : pd.Timestamp(last)] == 1.0).all()
    assert (sim[after:"2019-05-01"] == 0.0).all()
    assert sim["2019-06-01"] == pytest.approx(24 / 30) and sim["2019-07-01"] == 1.0
    events = query.events(con, categories=["policy"])
    drivers = panel.regime_shares(events, index, panel.REGIMES, require=False)
    assert drivers["mexico_enforcement"][:"2019-05-01"].sum() == 0.0


def test_storm_exposure_decays_from_the_storm_month():
    con = _events_store(
        [("2020-11-03", None, "HND", "disaster", "Hurricane Eta", "", engine.STORM_SOURCE)]
    )
    index = pd.date_range("2020-09-01", periods=6, freq="MS")
    storms = engine.storm_exposure(con, index, ("GTM", "HND"))
    assert storms[:, 0].sum() == 0
    np.testing.assert_allclose(
        storms[:, 1], [0, 0, 1, *np.exp(-np.arange(1, 4) / engine.STORM_MEMORY_MONTHS)]
    )
    assert engine.covid_closure(pd.date_range("2020-02-01", periods=9, freq="MS"))[0] == 0.0
    assert engine.covid_closure(pd.DatetimeIndex([dt.date(2020, 5, 1)]))[0] == 1.0


def test_mpp_counts_as_a_pilot_until_its_expansion_and_stops_enrolling_in_january_2021():
    """Before the June 2019 border-wide expansion MPP counts at MPP_PILOT_INTENSITY; new
    enrolments stop at the dated DHS suspension (21 January 2021), before the memo."""
    con = _events_store(
        [
            ("2019-01-29", "2022-08-08", "XNT", "policy", "Migrant Protection Protocols", "", "s"),
            ("2019-06-07", None, "XNT", "policy", "agreement: border-wide MPP expansion", "", "s"),
            ("2021-06-01", None, "XNT", "policy", "DHS memo terminates MPP", "", "s"),
        ]
    )
    index = pd.date_range("2019-02-01", "2021-03-01", freq="MS")
    mpp = pd.Series(engine.regime_shares(con, index)[:, REGIMES.index("mpp")], index=index)
    pilot = engine.MPP_PILOT_INTENSITY
    assert mpp["2019-02-01"] == pytest.approx(pilot)
    assert mpp["2019-06-01"] == pytest.approx(pilot + (1 - pilot) * 24 / 30)
    assert mpp["2019-07-01"] == 1.0 and mpp["2020-12-01"] == 1.0
    assert mpp["2021-01-01"] == pytest.approx(20 / 31) and mpp["2021-02-01"] == 0.0


def test_recorded_expulsions_replace_the_rule_while_title_42_is_in_force(inputs, params):
    """Where CBP recorded a type's expulsion share, it is the policy as applied (children
    expelled in 2020 although the rule exempts them); a scenario without Title 42 has none."""
    params.update(title42_expulsion_probability=0.8, title42_expulsion_family=0.4)
    recorded = np.full((len(inputs.months), len(kernel.TYPES)), np.nan)
    uac, family = kernel.TYPES.index("uac"), kernel.TYPES.index("family")
    recorded[0, uac], recorded[0, family] = 0.6, 0.9
    world = _with_regimes(replace(inputs, recorded_expulsion=recorded), title_42=1.0)
    rules = engine.border_rules(world, params)
    assert rules[0, uac, kernel.B_EXPEL] == pytest.approx(0.6)
    assert rules[0, family, kernel.B_EXPEL] == pytest.approx(0.9)
    assert rules[1, family, kernel.B_EXPEL] == pytest.approx(0.4)  # not recorded: the rule
    assert rules[0, kernel.TYPES.index("single"), kernel.B_EXPEL] == pytest.approx(0.8)
    without = _with_regimes(replace(inputs, recorded_expulsion=recorded))
    assert engine.border_rules(without, params)[:, :, kernel.B_EXPEL].max() == 0.0


def test_recorded_expulsion_shares_from_cbp_demographics():
    con = duckdb.connect()
    rows = [
        ("2020-04-01", "GTM", "UAC", "T42", 60),
        ("2020-04-01", "HND", "UAC", "T8", 40),
        ("2020-04-01", "GTM", "FMUA", "T42", 90),
        ("2020-04-01", "GTM", "ACCOMPANIED_MINOR", "T8", 10),
        ("2020-04-01", "GTM", "SINGLE_ADULT", "T42", 50),  # below the minimum: not used
        ("2020-04-01", "MEX", "SINGLE_ADULT", "T8", 5000),  # another country
        ("2020-05-01", "GTM", "SINGLE_ADULT", "T8", 300),
    ]
    frame = pd.DataFrame(
        rows, columns=["month", "citizenship", "demographic", "authority", "count"]
    )
    frame["month"] = pd.to_datetime(frame["month"])
    frame["source"], frame["region"] = "cbp_state", "Southwest Land Border"
    con.register("frame", frame)
    con.execute("CREATE TABLE encounters AS SELECT * FROM frame")
    index = pd.date_range("2020-03-01", periods=3, freq="MS")
    shares = engine.recorded_expulsion_shares(con, index, ("GTM", "HND", "SLV"))
    uac, family, single = (kernel.TYPES.index(k) for k in ("uac", "family", "single"))
    assert np.isnan(shares[0]).all()
    assert shares[1, uac] == pytest.approx(0.6) and shares[1, family] == pytest.approx(0.9)
    assert np.isnan(shares[1, single]) and shares[2, single] == 0.0
