"""CSV reading: separators, formats, time zones, typing of unmapped columns."""

from __future__ import annotations

import pandas as pd
import pytest

from taskloom.mining.columns import ACTIVITY, CASE, RESOURCE, START_TIMESTAMP, TIMESTAMP
from taskloom.mining.io import CsvMapping, read_log
from tests.mining.io.factories import write_text

MAP = CsvMapping(case="Case", activity="Activity", timestamp="End", start_timestamp="Start",
                 resource="Who")


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_sniffed(tmp_path, sep):
    text = sep.join(["Case", "Activity", "Start", "End", "Who"]) + "\n" + sep.join(
        ["7", "Triage", "2024-01-01T10:00:00", "2024-01-01T10:15:00", "Ann"]) + "\n"
    log = read_log(write_text(tmp_path / "s.csv", text), MAP)
    assert list(log.columns) == [CASE, ACTIVITY, TIMESTAMP, START_TIMESTAMP, RESOURCE]
    assert log[CASE].iloc[0] == "7" and log[CASE].dtype == "str"  # ids stay text
    assert log[TIMESTAMP].iloc[0] == pd.Timestamp("2024-01-01T10:15:00Z")
    assert log[RESOURCE].iloc[0] == "Ann"


def test_naive_times_in_a_zone_become_utc_across_dst(tmp_path):
    text = ("Case,Activity,End\n1,a,2024-03-30 12:00:00\n1,b,2024-04-01 12:00:00\n")
    log = read_log(write_text(tmp_path / "z.csv", text),
                   CsvMapping(case="Case", activity="Activity", timestamp="End",
                              timezone="Europe/London"))
    assert list(log[TIMESTAMP]) == [pd.Timestamp("2024-03-30T12:00Z"),
                                    pd.Timestamp("2024-04-01T11:00Z")]


def test_explicit_format_and_day_first_forms(tmp_path):
    text = "Case,Activity,End\n1,a,05-04-2024 09:30:00\n1,b,06-04-2024 10:00:00\n"
    path = write_text(tmp_path / "f.csv", text)
    mapping = CsvMapping(case="Case", activity="Activity", timestamp="End",
                         timestamp_format="%d-%m-%Y %H:%M:%S")
    assert read_log(path, mapping)[TIMESTAMP].iloc[0] == pd.Timestamp("2024-04-05T09:30Z")
    inferred = CsvMapping(case="Case", activity="Activity", timestamp="End")
    assert read_log(path, inferred)[TIMESTAMP].iloc[1] == pd.Timestamp("2024-04-06T10:00Z")


def test_offsets_in_the_text_win_over_the_zone(tmp_path):
    text = "Case,Activity,End\n1,a,2024-01-01T10:00:00+02:00\n1,b,2024-01-01T10:00:00Z\n"
    log = read_log(write_text(tmp_path / "o.csv", text),
                   CsvMapping(case="Case", activity="Activity", timestamp="End",
                              timezone="America/New_York"))
    assert list(log[TIMESTAMP]) == [pd.Timestamp("2024-01-01T08:00Z"),
                                    pd.Timestamp("2024-01-01T10:00Z")]


def test_unmapped_columns_typed(tmp_path):
    text = ("Case,Activity,End,n,x,flag,when,code,note\n"
            "1,a,2024-01-01T10:00:00Z,1,1.5,true,2024-01-02T00:00:00Z,007,hi\n"
            "1,b,2024-01-01T11:00:00Z,,2,FALSE,,008,\n")
    log = read_log(write_text(tmp_path / "u.csv", text),
                   CsvMapping(case="Case", activity="Activity", timestamp="End"))
    assert str(log["n"].dtype) == "Int64" and log["n"].isna().iloc[1]
    assert log["x"].dtype == "float64"
    assert str(log["flag"].dtype) == "boolean" and list(log["flag"]) == [True, False]
    assert str(log["when"].dtype) == "datetime64[us, UTC]"
    assert log["note"].dtype == "str"


def test_quoted_numbers_in_a_file_we_wrote_stay_text(tmp_path):
    text = 'Case,Activity,End,Costs,n\n"1","a","2024-01-01T10:00:00.000+00:00","50",50\n'
    log = read_log(write_text(tmp_path / "q.csv", text),
                   CsvMapping(case="Case", activity="Activity", timestamp="End"))
    assert log["Costs"].dtype == "str" and log["Costs"].iloc[0] == "50"
    assert str(log["n"].dtype) == "Int64"


def test_gzipped_csv(tmp_path):
    import gzip

    path = tmp_path / "g.csv.gz"
    path.write_bytes(gzip.compress(b"case:concept:name,concept:name,time:timestamp\n"
                                   b"c,a,2024-01-01T00:00:00Z\n"))
    log = read_log(path)
    assert list(log[CASE]) == ["c"] and list(log[ACTIVITY]) == ["a"]
