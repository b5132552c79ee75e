"""The status rules on hand-made cases at their boundaries (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from rootcauses.tracker.status import (
    Milestone,
    Reading,
    Status,
    Target,
    Thresholds,
    expected_value,
    judge_commitment,
    judge_target,
    money_reported,
    resolve_target,
    same_unit,
)

START = dt.date(2021, 1, 1)
DEADLINE = START + dt.timedelta(days=100)  # so day n of the trajectory is n % of the way
DAY_50 = START + dt.timedelta(days=50)
RULES = Thresholds()  # on track ≤ 10 points behind, at risk ≤ 25, stale after 365 days


def rising(*readings: tuple[dt.date, float], **changes) -> Target:
    """0 → 100 units between START and DEADLINE."""
    fields = {
        "target": 100.0,
        "unit": "people",
        "baseline": 0.0,
        "start": START,
        "deadline": DEADLINE,
        "readings": tuple(Reading(d, v) for d, v in readings),
    }
    return Target(**(fields | changes))


def falling(*readings: tuple[dt.date, float], **changes) -> Target:
    """Cut X from 100 to 50 between START and DEADLINE."""
    return rising(*readings, **({"target": 50.0, "baseline": 100.0} | changes))


def status(target: Target, as_of: dt.date = DAY_50, rules: Thresholds = RULES) -> Status:
    return judge_target(target, as_of, rules).status


# --------------------------------------------------------------------------- trajectory


def test_exactly_on_the_trajectory_is_on_track() -> None:
    judged = judge_target(rising((DAY_50, 50)), DAY_50, RULES)
    assert judged.status is Status.on_track
    assert judged.expected_fraction == pytest.approx(0.5)
    assert judged.actual_fraction == pytest.approx(0.5)
    assert "not behind" in judged.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (70, Status.on_track),  # ahead of the trajectory
        (40.5, Status.on_track),  # just inside the on-track tolerance
        (40, Status.on_track),  # exactly on it: bounds are inclusive
        (39.9, Status.at_risk),  # just outside it
        (25.1, Status.at_risk),  # just inside the at-risk tolerance
        (25, Status.at_risk),  # exactly on it
        (24.9, Status.off_track),  # just outside it
        (-5, Status.off_track),  # went the wrong way
    ],
)
def test_tolerance_bounds_rising(value: float, expected: Status) -> None:
    assert status(rising((DAY_50, value))) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (75, Status.on_track),  # on the trajectory (halfway from 100 to 50)
        (80, Status.on_track),  # 40% of the way: exactly 10 points behind
        (80.1, Status.at_risk),  # just outside
        (87.5, Status.at_risk),  # exactly 25 points behind
        (87.6, Status.off_track),
        (110, Status.off_track),  # rose instead
        (50, Status.achieved),  # reached the lower target early
    ],
)
def test_tolerance_bounds_falling(value: float, expected: Status) -> None:
    assert status(falling((DAY_50, value))) is expected


def test_trajectory_is_judged_on_the_reading_date_not_today() -> None:
    """A reading on day 20 is compared with 20%, even when judged on day 90."""
    as_of = START + dt.timedelta(days=90)
    judged = judge_target(rising((START + dt.timedelta(days=20), 15)), as_of, RULES)
    assert judged.expected_fraction == pytest.approx(0.2)
    assert judged.status is Status.on_track


def test_the_latest_reading_counts_and_readings_after_as_of_are_ignored() -> None:
    target = rising((START + dt.timedelta(days=10), 10), (DAY_50, 20), (DEADLINE, 100))
    assert status(target, as_of=DAY_50) is Status.off_track  # 20 where 50 was due
    assert status(target, as_of=DEADLINE) is Status.achieved


def test_tolerances_come_from_the_thresholds() -> None:
    strict = Thresholds(on_track_tolerance=0.0, at_risk_tolerance=0.05)
    assert status(rising((DAY_50, 50)), rules=strict) is Status.on_track
    assert status(rising((DAY_50, 48)), rules=strict) is Status.at_risk
    assert status(rising((DAY_50, 40)), rules=strict) is Status.off_track


def test_declared_milestones_bend_the_trajectory() -> None:
    """A slow start declared up front: 20 by day 50, then the rest."""
    slow = rising((DAY_50, 20), milestones=(Milestone(DAY_50, 20),))
    assert status(slow) is Status.on_track
    assert status(rising((DAY_50, 20))) is Status.off_track  # the straight line wanted 50
    assert expected_value(slow, START, START + dt.timedelta(days=75)) == pytest.approx(60)


def test_without_a_start_the_trajectory_starts_at_the_first_reading() -> None:
    target = rising((START, 0), (DAY_50, 50), start=None)
    assert status(target) is Status.on_track


# --------------------------------------------------------------------------- deadline passed


def test_deadline_passed_and_met_is_achieved() -> None:
    after = DEADLINE + dt.timedelta(days=1)
    assert status(rising((DEADLINE, 100)), as_of=after) is Status.achieved
    assert status(falling((DEADLINE, 50)), as_of=after) is Status.achieved


def test_deadline_passed_and_not_met_is_missed() -> None:
    after = DEADLINE + dt.timedelta(days=1)
    judged = judge_target(rising((DEADLINE, 99.9)), after, RULES)
    assert judged.status is Status.missed
    assert "passed" in judged.reason and "99.9" in judged.reason
    assert status(falling((DEADLINE, 50.1)), as_of=after) is Status.missed


def test_on_the_deadline_day_it_has_not_passed_yet() -> None:
    assert status(rising((DEADLINE, 95)), as_of=DEADLINE) is Status.on_track
    assert status(rising((DEADLINE, 95)), as_of=DEADLINE + dt.timedelta(days=1)) is Status.missed


def test_reached_after_the_deadline_is_achieved_late() -> None:
    late = DEADLINE + dt.timedelta(days=30)
    judged = judge_target(rising((late, 100)), late, RULES)
    assert judged.status is Status.achieved
    assert "after the deadline" in judged.reason


def test_deadline_passed_without_any_report() -> None:
    after = DEADLINE + dt.timedelta(days=1)
    assert status(rising(), as_of=after) is Status.no_recent_data
    harsh = Thresholds(unreported_after_deadline=Status.missed)
    assert status(rising(), as_of=after, rules=harsh) is Status.missed


# --------------------------------------------------------------------------- data, metric, deadline


def test_no_data_longer_than_the_staleness_window() -> None:
    far = rising((START, 1), deadline=START + dt.timedelta(days=3650))
    window = dt.timedelta(days=RULES.stale_after_days)
    assert status(far, as_of=START + window) is not Status.no_recent_data  # exactly the window
    judged = judge_target(far, START + window + dt.timedelta(days=1), RULES)
    assert judged.status is Status.no_recent_data
    assert "366 days old" in judged.reason


def test_no_report_at_all_before_the_deadline() -> None:
    judged = judge_target(rising(), DAY_50, RULES)
    assert judged.status is Status.no_recent_data
    assert "no report in people" in judged.reason


def test_no_metric() -> None:
    assert status(rising((DAY_50, 50), target=None)) is Status.no_metric
    relative = Target(target=None, why_unmeasurable="the relative target +40% needs a baseline")
    assert judge_target(relative, DAY_50, RULES).reason.startswith("the relative target")


def test_no_deadline() -> None:
    judged = judge_target(rising((DAY_50, 50), deadline=None), DAY_50, RULES)
    assert judged.status is Status.no_deadline
    assert "no deadline" in judged.reason
    assert status(rising((DAY_50, 100), deadline=None)) is Status.achieved
    assert status(rising(deadline=None)) is Status.no_deadline


def test_a_target_equal_to_its_baseline_means_hold_at_least_that() -> None:
    hold = rising((DAY_50, 100), baseline=100.0)
    assert status(hold) is Status.achieved
    assert status(rising((DAY_50, 90), baseline=100.0)) is Status.off_track


def test_relative_targets_resolve_against_the_baseline() -> None:
    assert resolve_target(40, True, 10) == pytest.approx(14)
    assert resolve_target(-20, True, 100) == pytest.approx(80)
    assert resolve_target(40, True, None) is None
    assert resolve_target(7, False, None) == 7
    assert resolve_target(None, False, 3) is None


# --------------------------------------------------------------------------- commitments


def test_a_commitment_takes_its_most_severe_measurable_target() -> None:
    on_track = rising((DAY_50, 50))
    off_track = rising((DAY_50, 10), unit="businesses")
    unmeasurable = Target(target=None, unit="USD")
    judged = judge_commitment([on_track, off_track, unmeasurable], DAY_50, RULES)
    assert judged.status is Status.off_track
    assert judged.has_metric and judged.has_deadline
    assert "target 2 (businesses) off_track" in judged.reason


def test_commitments_without_measurable_targets_have_no_metric() -> None:
    nothing = judge_commitment([], DAY_50, RULES, deadline=DEADLINE)
    assert nothing.status is Status.no_metric
    assert not nothing.has_metric and nothing.has_deadline
    units_only = judge_commitment([Target(None, "USD"), Target(None, "jobs")], DAY_50, RULES)
    assert units_only.status is Status.no_metric and not units_only.has_deadline


def test_no_deadline_outranks_on_track_but_not_missed() -> None:
    undated = rising((DAY_50, 60), deadline=None)
    assert judge_commitment([rising((DAY_50, 50)), undated], DAY_50, RULES).status is (
        Status.no_deadline
    )
    late = DEADLINE + dt.timedelta(days=1)
    missed = judge_commitment([rising((DEADLINE, 1)), undated], late, RULES)
    assert missed.status is Status.missed


# --------------------------------------------------------------------------- thresholds, money


def test_thresholds_from_plain_values() -> None:
    loaded = Thresholds.from_mapping(
        {"on_track_tolerance": "0.05", "stale_after_days": "400", "money_units": "USD, USD spent"}
    )
    assert loaded.on_track_tolerance == 0.05 and loaded.stale_after_days == 400
    assert loaded.money_units == ("USD", "USD spent")
    assert loaded.at_risk_tolerance == RULES.at_risk_tolerance
    harsh = Thresholds.from_mapping({"unreported_after_deadline": "missed"})
    assert harsh.unreported_after_deadline is Status.missed


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"on_track_tolerance": 0.3}, "on_track_tolerance ≤ at_risk_tolerance"),
        ({"at_risk_tolerance": "lots"}, "at_risk_tolerance = 'lots'"),
        ({"stale_after_days": 0}, "stale_after_days must be ≥ 1"),
        ({"stale_after_days": 1.5}, "stale_after_days = 1.5"),
        ({"unreported_after_deadline": "at_risk"}, "unreported_after_deadline"),
        ({"tolerance": 1}, "unknown setting(s) ['tolerance']"),
    ],
)
def test_bad_thresholds_name_the_setting(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        Thresholds.from_mapping(values)
    assert message in str(caught.value)


def test_money_reported_is_the_latest_level_never_a_sum() -> None:
    reports = [
        (dt.date(2023, 11, 30), 1e9, "USD deployed"),
        (dt.date(2024, 3, 31), 1e9, "USD invested"),
        (dt.date(2024, 3, 31), 4e8, "USD"),
        (dt.date(2024, 6, 30), 9e9, "USD committed"),  # a pledge, not money delivered
        (None, 5e9, "USD"),  # undated
    ]
    units = RULES.money_units
    assert money_reported(reports, dt.date(2025, 1, 1), units) == 1e9
    assert money_reported(reports, dt.date(2023, 12, 31), units) == 1e9
    assert money_reported(reports, dt.date(2023, 1, 1), units) is None


def test_units_match_ignoring_case_and_spacing() -> None:
    assert same_unit("USD", " usd ")
    assert same_unit("people  trained", "People trained")
    assert not same_unit("USD", "USD committed")
    assert not same_unit(None, "USD")
