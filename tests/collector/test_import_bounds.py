"""The upload limit applies to a log's uncompressed content: gzip (CSV and XES) counted
while streaming and Parquet by its decoded size, refused with a message naming the file,
the limit and the fix; a file within the limit reads as before."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.services.imports import LogFileError, read_system_log
from taskloom.mining.errors import LogInputError

OPTIONS = {"case": "case", "activity": "activity", "timestamp": "timestamp"}


def _csv(n: int) -> bytes:
    rows = "".join(f"c{i % 50},act{i % 7},2026-01-01T00:{i % 60:02d}:00Z\n" for i in range(n))
    return ("case,activity,timestamp\n" + rows).encode()


def test_csv_gz_over_the_inflated_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(_csv(200_000), 9))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(LogInputError, match=r"big.csv.gz inflates to more than 1048576 bytes.*"
                                            r"`taskloom import` on the server"):
        read_system_log(path, OPTIONS, max_inflated_bytes=1 << 20)
    assert len(read_system_log(path, OPTIONS, max_inflated_bytes=64 << 20)) == 200_000


def test_parquet_over_the_decoded_limit_is_refused(tmp_path: Path) -> None:
    n = 400_000
    frame = pd.DataFrame({"case:concept:name": ["c"] * n, "concept:name": ["a"] * n,
                          "time:timestamp": pd.Timestamp("2026-01-01", tz="UTC")})
    path = tmp_path / "flat.parquet"
    frame.to_parquet(path)
    assert path.stat().st_size < 64 << 10  # dictionary + RLE: tiny on disk
    with pytest.raises(LogFileError, match=r"flat\.parquet decodes to more than 1048576 bytes"):
        read_system_log(path, {}, max_inflated_bytes=1 << 20)
    assert len(read_system_log(path, {}, max_inflated_bytes=64 << 20)) == n
