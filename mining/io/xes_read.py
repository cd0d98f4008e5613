"""Read XES (.xes, .xes.gz) into an event-log DataFrame: the fast path, else lxml."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from taskloom.mining.io._files import open_log
from taskloom.mining.io.xes_fast import NotFastPath, parse_xes_fast
from taskloom.mining.io.xes_lxml import parse_xes_lxml

log = logging.getLogger(__name__)


def read_xes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an XES log: one row per event, in file order; trace attributes as case:<key>."""
    try:
        return parse_xes_fast(path)
    except NotFastPath as reason:
        log.info("%s: using the full XML parser (%s)", Path(path).name, reason)
    with open_log(path) as stream:  # streamed: a gzip is never inflated whole in memory
        return parse_xes_lxml(stream, Path(path).name)
