"""Schedules and visit lists: local times across DST, and the one-line errors for bad rows."""

from __future__ import annotations

import pytest

from taskloom.collector.metrics.errors import MetricsInputError
from taskloom.collector.metrics.timetables import parse_schedule, parse_visits
from tests.collector.metrics.factories import ms

HEAD = "user,date,start,end,kind\n"


def test_clinic_at_nine_is_nine_local_on_both_sides_of_dst() -> None:
    tt = parse_schedule(HEAD + "U#00000001,2026-03-27,09:00,12:00,clinic\n"
                               "U#00000001,2026-03-30,09:00,12:00,clinic\n", "s.csv", "Europe/London")
    assert tt.starts.tolist() == [ms("2026-03-27T09:00Z"), ms("2026-03-30T08:00Z")]
    assert (tt.ends - tt.starts).tolist() == [3 * 3_600_000] * 2


def test_block_past_midnight_over_the_dst_change_is_one_hour_shorter() -> None:
    tt = parse_schedule(HEAD + "U#00000001,2026-03-28,22:00,06:00,other\n", "s.csv", "Europe/London")
    assert tt.starts[0] == ms("2026-03-28T22:00Z") and tt.ends[0] == ms("2026-03-29T05:00Z")


def test_logins_are_pseudonymised_like_the_agent_does() -> None:
    from taskloom.agent.protocol import keyed_token

    tt = parse_schedule(HEAD + "dr.jones,2026-03-02,09:00,12:00,clinic\n", "s.csv", "UTC", "key")
    assert tt.users == (keyed_token("key", "dr.jones", prefix="U"),)


@pytest.mark.parametrize(("rows", "message"), [
    ("U#00000001,2026-03-02,09:00,12:00,clinic\nU#00000001,2026-03-02,11:30,13:00,admin\n",
     "s.csv line 3: overlaps line 2 for user U#00000001"),
    ("U#00000001,2026-03-02,09:00+01:00,12:00+01:00,clinic\nU#00000001,2026-03-03,09:00,12:00,clinic\n",
     "s.csv line 3: a time has no UTC offset, but line 2 carries offset +01:00, which is not Europe/London's"),
    ("U#00000001,2026-03-29,01:30,03:00,other\n", "s.csv line 2: 2026-03-29 01:30 does not exist in Europe/London"),
    ("U#00000001,2026-10-25,01:30,03:00,other\n", "s.csv line 2: 2026-10-25 01:30 happens twice"),
    ("U#00000001,2026-03-02,9am,12:00,clinic\n", "s.csv line 2: start '9am' is not a time"),
    ("U#00000001,2026-03-02,09:00,12:00,ward\n", "s.csv line 2: kind 'ward' is unknown"),
])
def test_bad_schedule_rows_name_file_line_and_fix(rows: str, message: str) -> None:
    with pytest.raises(MetricsInputError) as err:
        parse_schedule(HEAD + rows, "s.csv", "Europe/London")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_times_without_offset_need_a_zone() -> None:
    with pytest.raises(MetricsInputError, match=r"s.csv line 2: .* no UTC offset and the study has no time zone; pass --tz"):
        parse_schedule(HEAD + "U#00000001,2026-03-02,09:00,12:00,clinic\n", "s.csv", None)
    ok = parse_schedule(HEAD + "U#00000001,2026-03-02,09:00Z,12:00Z,clinic\n", "s.csv", None)
    assert ok.starts[0] == ms("2026-03-02T09:00Z")


def test_missing_column_is_named() -> None:
    with pytest.raises(MetricsInputError, match=r"s\.csv line 1: missing column\(s\) kind"):
        parse_schedule("user,date,start,end\nU#1,2026-03-02,09:00,10:00\n", "s.csv", "UTC")


def test_visits_with_and_without_offsets() -> None:
    tt = parse_visits("user,start,end,case\nU#00000001,2026-03-30T09:00,2026-03-30T09:15,NHS#1\n"
                      "U#00000001,2026-03-30T09:20:00.500+01:00,2026-03-30T09:35+01:00,NHS#2\n", "v.csv",
                      "Europe/London")
    assert tt.starts.tolist() == [ms("2026-03-30T08:00Z"), ms("2026-03-30T08:20:00.500Z")]
    assert tt.labels == ("NHS#1", "NHS#2")
    with pytest.raises(MetricsInputError, match=r"v\.csv line 2: end .* is not after start"):
        parse_visits("user,start,end\nU#00000001,2026-03-30T09:00,2026-03-30T08:00\n", "v.csv", "UTC")
