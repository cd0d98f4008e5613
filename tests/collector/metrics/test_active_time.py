"""Active time on hand-made streams: capping, typing bursts, idle, the split at focus changes."""

from __future__ import annotations

import pytest

from taskloom.collector.metrics.categories import CATEGORY_CODE
from tests.collector.metrics.factories import (
    EPR,
    INBOX,
    MAIL,
    NOTE,
    ORDERS,
    events,
    ms,
    run,
    seconds,
)

T0 = ms("2026-03-02T10:00:00Z")  # a Monday, within the day


def s(x: float) -> int:
    return T0 + int(x * 1000)


def test_gaps_are_capped_at_the_threshold() -> None:
    # Gaps 2 s, 18 s, 1 s; the last event has no successor and counts the threshold.
    ev = events((s(0), "click", EPR, NOTE), (s(2), "click", EPR, NOTE), (s(20), "click", EPR, NOTE),
                (s(21), "click", EPR, NOTE))
    assert seconds(run([ev]), "d5") == pytest.approx(2 + 5 + 1 + 5)
    assert seconds(run([ev], threshold_s=30), "d30") == pytest.approx(2 + 18 + 1 + 30)
    assert seconds(run([ev], threshold_s=30), "d5") == pytest.approx(13)  # sensitivity columns too


def test_typing_burst_is_active_for_its_whole_length() -> None:
    # A 12 s burst, next event 15 s after it started: 12 s typing + 3 s, not capped at 5 s.
    ev = events((s(0), "typing", EPR, NOTE, s(12)), (s(15), "click", EPR, NOTE), (s(40), "idle_start", EPR, NOTE))
    assert seconds(run([ev]), "d5") == pytest.approx(15 + 5)


def test_idle_period_is_inactive() -> None:
    ev = events((s(0), "click", EPR, NOTE), (s(1), "idle_start", EPR, NOTE), (s(600), "idle_end", EPR, NOTE),
                (s(602), "click", EPR, NOTE), (s(603), "capture_stop", EPR, NOTE))
    assert seconds(run([ev]), "d5") == pytest.approx(1 + 2 + 1)
    assert seconds(run([ev], threshold_s=300), "d300") == pytest.approx(1 + 2 + 1)


def test_category_splits_at_focus_changes() -> None:
    ev = events((s(0), "focus", EPR, NOTE), (s(3), "click", EPR, NOTE), (s(4), "focus", *MAIL),
                (s(6), "click", *MAIL), (s(8), "focus", EPR, ORDERS), (s(9), "focus", EPR, INBOX),
                (s(30), "idle_start", EPR, INBOX))
    tot = run([ev])
    assert seconds(tot, "d5", CATEGORY_CODE["note documentation"]) == pytest.approx(4)
    assert seconds(tot, "d5", CATEGORY_CODE["non-EHR"]) == pytest.approx(4)
    assert seconds(tot, "d5", CATEGORY_CODE["orders"]) == pytest.approx(1)
    assert seconds(tot, "d5", CATEGORY_CODE["inbox"]) == pytest.approx(5)
    assert float(tot.table["switches"].sum()) == 2  # EPR → Outlook → EPR


def test_chunk_boundaries_do_not_change_the_result() -> None:
    ev = events(*[(s(i * 3.5), "click", EPR, NOTE if i % 3 else ORDERS) for i in range(30)])
    whole = run([ev]).table.sort_index()
    for cut in (1, 7, 29):
        parts = run([ev.iloc[:cut], ev.iloc[cut:]]).table.sort_index()
        assert parts.equals(whole)


def test_two_clinicians_do_not_share_intervals() -> None:
    a = events((s(0), "click", EPR, NOTE), (s(10), "click", EPR, NOTE), user="U#0000000a")
    b = events((s(1), "click", EPR, NOTE), (s(2), "click", EPR, NOTE), user="U#0000000b")
    tot = run([a.merge(b, how="outer").sort_values("ts")])
    per_user = tot.table["d5"].groupby(level="user").sum() / 1000
    assert sorted(per_user.tolist()) == [1 + 5, 5 + 5]
