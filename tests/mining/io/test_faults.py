"""Bad input: each error names the file, the place and the fix (LogInputError)."""

from __future__ import annotations

import gzip

import pytest

from taskloom.mining.errors import LogInputError
from taskloom.mining.io import CsvMapping, read_log
from tests.mining.io.factories import SEPSIS_MAPPING, simple_trace, write_text, xes_document

T1 = "2024-03-01T10:00:00.000+01:00"


def test_truncated_gzip(shared_data, tmp_path):
    data = (shared_data / "helpdesk.xes.gz").read_bytes()
    cut = tmp_path / "cut.xes.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(LogInputError, match=r"cut\.xes\.gz: .*truncated"):
        read_log(cut)


def test_corrupt_gzip(tmp_path):
    bad = tmp_path / "bad.xes.gz"
    data = bytearray(gzip.compress(b"<log>" + b"<trace></trace>" * 1000 + b"</log>"))
    data[20:40] = b"\xff" * 20
    bad.write_bytes(bytes(data))
    with pytest.raises(LogInputError, match=r"bad\.xes\.gz: .*(corrupt|truncated)"):
        read_log(bad)


def test_broken_xml_names_the_line(tmp_path):
    doc = xes_document([simple_trace("c1", ("a", T1)), simple_trace("c2", ("b", T1))])
    lines = doc.splitlines(keepends=True)
    broken_line = next(i for i, line in enumerate(lines) if "</event>" in line)
    lines[broken_line] = "  </evnt>\n"
    path = write_text(tmp_path / "broken.xes", "".join(lines))
    with pytest.raises(LogInputError, match=rf"broken\.xes: malformed XES at line {broken_line + 1}"):
        read_log(path)


def test_xes_cut_mid_trace(tmp_path):
    doc = xes_document([simple_trace("c1", ("a", T1)), simple_trace("c2", ("b", T1))])
    path = write_text(tmp_path / "half.xes", doc[: doc.rindex("<event>") + 10])
    with pytest.raises(LogInputError, match=r"half\.xes: malformed XES at line \d+"):
        read_log(path)


def test_bad_date_in_xes(tmp_path):
    doc = xes_document([simple_trace("c1", ("a", "yesterday"))])
    with pytest.raises(LogInputError, match=r"bad_date\.xes: .*time:timestamp.*ISO 8601"):
        read_log(write_text(tmp_path / "bad_date.xes", doc))


def test_csv_without_the_named_column(shared_data):
    with pytest.raises(LogInputError) as err:
        read_log(shared_data / "sepsis.csv")
    msg = str(err.value)
    assert msg.startswith("sepsis.csv: no column 'case:concept:name'")
    assert "Case ID" in msg and "Activity" in msg
    assert "--case 'Case ID'" in msg  # the likely column is suggested


def test_csv_missing_activity_column_suggests_option(shared_data):
    mapping = CsvMapping(case="Case ID", activity="Task", timestamp="Complete Timestamp")
    with pytest.raises(LogInputError, match=r"no column 'Task'.*--activity 'Activity'"):
        read_log(shared_data / "sepsis.csv", mapping)


def test_csv_unparseable_timestamp_names_row_and_value(tmp_path):
    path = write_text(tmp_path / "t.csv", "case,act,ts\n1,a,2024-01-01 10:00\n1,b,2024-01-01 11:00\n"
                                          "2,c,not a time\n")
    with pytest.raises(LogInputError) as err:
        read_log(path, CsvMapping(case="case", activity="act", timestamp="ts"))
    msg = str(err.value)
    assert "t.csv" in msg and "'not a time'" in msg and "row 3" in msg and "line 4" in msg
    assert "--timestamp-format" in msg


def test_csv_timestamps_not_matching_the_given_format(shared_data):
    mapping = CsvMapping(case="Case ID", activity="Activity", timestamp="Complete Timestamp",
                         timestamp_format="%d-%m-%Y %H:%M:%S")
    with pytest.raises(LogInputError, match=r"sepsis\.csv: cannot parse timestamp '2014/10/22 "
                                            r"11:15:41\.000'.*--timestamp-format"):
        read_log(shared_data / "sepsis.csv", mapping)


def test_unknown_time_zone(shared_data):
    mapping = CsvMapping(**{**SEPSIS_MAPPING.__dict__, "timezone": "Mars/Olympus"})
    with pytest.raises(LogInputError, match=r"unknown time zone 'Mars/Olympus'.*--timezone"):
        read_log(shared_data / "sepsis.csv", mapping)


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(LogInputError, match=r"no such file"):
        read_log(tmp_path / "nothing.xes")
    other = write_text(tmp_path / "log.json", "{}")
    with pytest.raises(LogInputError, match=r"log\.json: unknown log format; use one of"):
        read_log(other)


def test_not_a_parquet_file(tmp_path):
    fake = write_text(tmp_path / "fake.parquet", "case,act\n")
    with pytest.raises(LogInputError, match=r"fake\.parquet: not a readable Parquet file"):
        read_log(fake)


def test_concatenated_gzip_members_read_whole(tmp_path):
    """A .xes.gz made of several gzip members (e.g. appended with cat) reads as one file."""
    doc = xes_document([simple_trace("c1", ("a", T1)), simple_trace("c2", ("b", T1))]).encode()
    half = len(doc) // 2
    path = tmp_path / "members.xes.gz"
    path.write_bytes(gzip.compress(doc[:half]) + gzip.compress(doc[half:]))
    log = read_log(path)
    assert list(log["concept:name"]) == ["a", "b"]
