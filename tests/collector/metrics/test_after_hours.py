"""After-hours EHR time (weekdays 18:00–06:00 and weekends, study time zone) on exact streams."""

from __future__ import annotations

import pytest

from tests.collector.metrics.factories import EPR, NOTE, events, ms, run, seconds


def burst(start: str, length_s: float, zone: str) -> tuple[float, float]:
    """(active s, after-hours s) of one typing burst of ``length_s`` starting at ``start``."""
    t = ms(start)
    tot = run([events((t, "typing", EPR, NOTE, t + int(length_s * 1000)),
                      (t + int(length_s * 1000), "idle_start", EPR, NOTE))], zone=zone)
    return seconds(tot, "d5"), seconds(tot, "a5")


def test_weekday_evening_boundary_splits_an_interval() -> None:
    # Tuesday 17:59:50 + 20 s: 10 s in the day, 10 s after 18:00.
    assert burst("2026-03-03T17:59:50Z", 20, "UTC") == (20, pytest.approx(10))


def test_after_hours_across_midnight() -> None:
    # Tuesday 23:59:50 → Wednesday 00:00:10: all 20 s after hours, on both sides of midnight.
    assert burst("2026-03-03T23:59:50Z", 20, "UTC") == (20, pytest.approx(20))
    # Wednesday 05:59:50 → 06:00:10: 10 s after hours, 10 s in the day.
    assert burst("2026-03-04T05:59:50Z", 20, "UTC") == (20, pytest.approx(10))


def test_weekend_counts_whole_days() -> None:
    assert burst("2026-03-07T11:00:00Z", 30, "UTC") == (30, pytest.approx(30))  # Saturday noon
    # Friday 17:59:55 → Saturday: 5 s in the day.
    assert burst("2026-03-06T17:59:55Z", 60, "UTC") == (60, pytest.approx(55))


def test_after_hours_on_dst_change_days() -> None:
    # London springs forward on Sunday 2026-03-29: Monday 06:00 BST is 05:00 UTC.
    assert burst("2026-03-30T04:59:50Z", 20, "Europe/London") == (20, pytest.approx(10))
    assert burst("2026-03-30T04:59:50Z", 20, "UTC") == (20, pytest.approx(20))  # still night in UTC
    # Friday before (GMT): 18:00 local is 18:00 UTC.
    assert burst("2026-03-27T17:59:50Z", 20, "Europe/London") == (20, pytest.approx(10))
    # The day of the change is a Sunday (all after hours) with 23 hours; 01:00 UTC is 02:00 BST.
    assert burst("2026-03-29T00:59:50Z", 20, "Europe/London") == (20, pytest.approx(20))
    # Autumn: Monday 2026-10-26 06:00 GMT is 06:00 UTC again; the Friday before, 18:00 BST is 17:00 UTC.
    assert burst("2026-10-26T05:59:50Z", 20, "Europe/London") == (20, pytest.approx(10))
    assert burst("2026-10-23T16:59:50Z", 20, "Europe/London") == (20, pytest.approx(10))


def test_an_interval_over_sunday_midnight_is_split_between_weeks() -> None:
    t = ms("2026-03-08T23:59:50Z")  # Sunday
    tot = run([events((t, "typing", EPR, NOTE, t + 30_000), (t + 30_000, "idle_start", EPR, NOTE))])
    per_week = tot.table["d5"].groupby(level="week").sum() / 1000
    assert per_week.tolist() == [10.0, 20.0]
