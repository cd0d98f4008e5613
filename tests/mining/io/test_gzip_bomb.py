"""Gzip bombs: a small .xes.gz that inflates to far more than the log it holds. The CLI
streams decompression, so its memory follows the log it builds, not the inflated text
(measured as the child's peak RSS in a fresh process); a limit refuses it unparsed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from taskloom.mining.errors import LogInputError
from taskloom.mining.io import read_log
from taskloom.mining.io._files import inflated_size, read_bytes
from tests.support.bombs import HEAD, TRACE, write_bomb
from tests.support.collector import ROOT, TASKLOOM

INFLATED = 768 << 20  # 768 MiB of padding in under 1 MB of gzip


def child_max_rss_mb(*args: str) -> tuple[int, float, str]:
    """Run ``args`` from a fresh Python whose only child it is: (exit code, the child's
    peak RSS in MB from getrusage(RUSAGE_CHILDREN), stderr)."""
    probe = ("import json, resource, subprocess, sys\n"
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
             "print(json.dumps([r.returncode, rss, r.stderr[-500:]]))\n")
    out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                         cwd=ROOT, timeout=600, check=True)
    code, rss, err = json.loads(out.stdout)
    return int(code), float(rss), str(err)


@pytest.mark.parametrize("padding", ["comment", "spaces"])
def test_gzip_bomb_cli_memory_follows_the_log(tmp_path: Path, padding: str) -> None:
    bomb = write_bomb(tmp_path / "bomb.xes.gz", INFLATED, padding)
    assert bomb.stat().st_size < 1 << 20
    small = tmp_path / "small.xes"
    small.write_bytes(HEAD + TRACE + TRACE + b"</log>\n")
    _, base_rss, _ = child_max_rss_mb(TASKLOOM, "stats", str(small))
    code, rss, err = child_max_rss_mb(TASKLOOM, "stats", str(bomb))
    # Whole-file inflation held 768 MiB at least; streaming holds a bounded window.
    assert rss - base_rss < 400, f"peak RSS {rss:.0f} MB vs {base_rss:.0f} MB for the small log"
    assert code == 0, err  # padding is dropped while streaming: the two-event log is read


def test_inflated_size_is_bounded_while_streaming(tmp_path: Path) -> None:
    bomb = write_bomb(tmp_path / "bomb.xes.gz", 64 << 20, "spaces")
    with pytest.raises(LogInputError, match="inflates to more than 1048576 bytes"):
        inflated_size(bomb, 1 << 20)
    with pytest.raises(LogInputError, match="inflates to more than"):
        read_bytes(bomb, limit=1 << 20)
    assert inflated_size(bomb, 1 << 30) > 64 << 20


def test_comment_split_across_pieces_and_cdata_are_handled(tmp_path: Path) -> None:
    """Comments (with a CDATA-like text inside) and a CDATA value holding "<!--" on the
    full-parser path, read in pieces smaller than the markers."""
    from taskloom.mining.io.xes_lxml import PaddingFree, parse_xes_lxml

    doc = (HEAD + b"<!-- a comment\nwith <![CDATA[ inside -->\n"
           + b'<trace><string key="concept:name" value="c"/><event>'
           + b'<string key="concept:name" value="a"/><string key="note"><![CDATA[x <!-- y]]></string>'
           + b'<date key="time:timestamp" value="2026-01-01T00:00:00.000+00:00"/></event></trace>\n'
           + b"<!---->" + TRACE + b"</log>\n")
    import io

    for piece in (1, 3, 7, 1 << 20):
        stream = PaddingFree(io.BytesIO(doc), piece=piece)
        chunks = []
        while chunk := stream.read():
            chunks.append(chunk)
        text = b"".join(chunks)
        assert b"a comment" not in text and b"<![CDATA[x <!-- y]]>" in text
        assert text.count(b"\n") == doc.count(b"\n")  # line numbers kept
    log = parse_xes_lxml(doc, "doc.xes")
    assert list(log["concept:name"]) == ["a", "a"]
    path = tmp_path / "c.xes"
    path.write_bytes(doc)
    assert len(read_log(path)) == 2


def test_padding_filter_keeps_short_runs_and_shortens_long_ones() -> None:
    """Runs of WHITESPACE_RUN - 1 spaces are kept as they are, a longer one becomes one
    space. (Prints the CPU time: the pattern is linear; a naive one retries inside each
    run and took 18 s for 256 KB of such runs.)"""
    import io
    import time

    from taskloom.mining.io.xes_lxml import WHITESPACE_RUN, PaddingFree

    data = (b" " * (WHITESPACE_RUN - 1) + b"x") * 64 + b" " * (WHITESPACE_RUN + 5) + b"y"
    started = time.process_time()
    stream = PaddingFree(io.BytesIO(data), piece=len(data))
    out = b"".join(iter(stream.read, b""))
    spent = time.process_time() - started
    assert out == (b" " * (WHITESPACE_RUN - 1) + b"x") * 64 + b" y"
    print(f"PaddingFree over {len(data) / 1e6:.1f} MB of near-limit runs: {spent:.3f} s CPU")
