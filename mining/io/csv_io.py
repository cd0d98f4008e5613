"""CSV event logs: a column mapping onto the standard names, timestamp formats, time zones.

Reading: the separator is sniffed among , ; TAB | unless given; mapped columns are
renamed to the XES names; timestamps are parsed (a strftime format or ISO 8601 and
common forms) in the given zone and converted to UTC; other columns are typed from
their text (integers, floats, booleans, ISO dates with a zone, else text). Writing uses
ISO 8601 UTC and quotes text values, so text that looks like a number stays text on
the way back in.

Every CSV taskloom writes is safe to open in a spreadsheet (OWASP CSV injection): a text
cell starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading ``'`` so it is not
run as a formula, and every cell holding CR or LF is quoted, so no reader sees extra
rows. ``read_csv`` removes that quote again, so taskloom's CSV round trip is exact;
other tools see the quote. Parquet keeps the raw values.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, RESOURCE, START_TIMESTAMP, TIMESTAMP
from taskloom.mining.errors import LogInputError
from taskloom.mining.io._columns import DATETIME_DTYPE

log = logging.getLogger(__name__)

SEPARATORS = (",", ";", "\t", "|")
COMMON_FORMATS = (
    "%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%Y%m%d%H%M%S", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d",
)
ISO_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
INT_TEXT = re.compile(r"^[+-]?\d+$")
FLOAT_TEXT = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|-inf)$",
                        re.IGNORECASE)
OPTION_OF = {"case": "--case", "activity": "--activity", "timestamp": "--timestamp",
             "start_timestamp": "--start-timestamp", "resource": "--resource"}


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV columns hold the case id, activity, timestamps and resource, and how to parse times."""

    case: str = CASE
    activity: str = ACTIVITY
    timestamp: str = TIMESTAMP
    start_timestamp: str | None = None
    resource: str | None = None
    timestamp_format: str | None = None  # strftime format; None = infer ISO 8601 and common forms
    timezone: str = "UTC"  # zone for naive timestamps (e.g. "Europe/London")
    sep: str | None = None  # None = sniff among , ; \t |


def _head_text(path: Path, limit: int = 65536) -> tuple[str, bool]:
    """The first `limit` bytes as text, and whether that is the whole file."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise LogInputError(f"{path.name}: cannot read ({exc})") from exc
    text = head[:limit].decode("utf-8", errors="replace").lstrip("\ufeff")
    return text, len(head) <= limit


def sniff_separator(head: str) -> str:
    """The separator that splits the header line (outside quotes) into the most fields."""
    first = head.splitlines()[0] if head else ""
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _quoted_columns(head: str, sep: str, complete: bool) -> set[str]:
    """Columns whose values are all quoted in a file whose header is not (taskloom's writer).

    Quoting marks text there, so "50" stays the string "50". In files that quote
    everything (header included) quoting says nothing and types are inferred.
    """
    lines = head.splitlines()
    if len(lines) < 2 or lines[0].startswith('"'):
        return set()
    header = next(csv.reader([lines[0]], delimiter=sep))
    seen: dict[int, bool] = {}
    for line in lines[1:] if complete else lines[1:-1]:
        fields = re.findall(rf'(?:^|{re.escape(sep)})("(?:[^"]|"")*"|[^{re.escape(sep)}"]*)', line)
        if len(fields) != len(header):
            continue
        for i, raw in enumerate(fields):
            if raw == "":
                continue
            quoted = raw.startswith('"') and raw.endswith('"') and len(raw) >= 2
            seen[i] = seen.get(i, True) and quoted
    return {header[i] for i, q in seen.items() if q}


HINTS = {"case": ("case",), "activity": ("activ", "task", "event"),
         "timestamp": ("complete", "end", "time", "date"), "start_timestamp": ("start", "begin"),
         "resource": ("resource", "user", "who", "staff")}


def _missing(path: Path, columns: list[str], option: str, name: str) -> LogInputError:
    """The error for a mapped column that is not there, with the likely column suggested."""
    shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
    guess = next((c for hint in HINTS[option] for c in columns if hint in c.lower()), None)
    column = guess if guess is not None else "<column>"
    return LogInputError(
        f"{path.name}: no column {name!r} — columns are {shown}; pass {OPTION_OF[option]} '{column}'"
    )


def parse_timestamps(
    values: pd.Series, fmt: str | None, timezone: str, where: str, column: str
) -> pd.Series:
    """Text timestamps to UTC datetimes: naive ones are in `timezone`; errors name the row."""
    if values.empty:  # a header-only file: an empty log, not a format error
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=values.index)
    text = values.astype("str").str.strip()
    present = text.notna() & (text != "")
    text = text.where(present, None)
    sample = text[present].head(200)
    formats = [fmt] if fmt else ["ISO8601", *COMMON_FORMATS]
    chosen, best = None, 0
    for candidate in formats:  # the format that parses most of a sample of the column
        try:
            parsed_sample = pd.to_datetime(sample, format=candidate, utc=True, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            continue
        hits = int(parsed_sample.notna().sum())
        if hits > best:
            chosen, best = candidate, hits
        if hits == len(sample):
            break
    if chosen is None:
        bad = sample.iloc[0] if len(sample) else ""
        raise LogInputError(
            f"{where}: cannot parse timestamp {bad!r} in column {column!r} (row 1 of the data); "
            "pass --timestamp-format, e.g. '%d-%m-%Y %H:%M:%S'"
        )
    try:
        parsed = pd.to_datetime(text, format=chosen, utc=False, errors="coerce")
    except (ValueError, TypeError):
        parsed = pd.to_datetime(text, format=chosen, utc=True, errors="coerce")
    failed = parsed.isna() & present
    if failed.any():
        row = int(failed.to_numpy().nonzero()[0][0])
        raise LogInputError(
            f"{where}: cannot parse timestamp {text.iloc[row]!r} in column {column!r} at row "
            f"{row + 1} of the data (line {row + 2}); pass --timestamp-format "
            f"(the inferred format was {chosen!r})"
        )
    if parsed.dt.tz is None:
        try:
            parsed = parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
        except Exception as exc:  # unknown zone names come from pytz/zoneinfo with various types
            raise LogInputError(f"{where}: unknown time zone {timezone!r}; pass --timezone") from exc
    return parsed.dt.tz_convert("UTC").astype(DATETIME_DTYPE)


def infer_column(values: pd.Series, is_text: bool) -> pd.Series:
    """Type an unmapped column from its text: int, float, boolean, zoned ISO date, else text."""
    text = values.astype("str")
    present = text.dropna()
    present = present[present != ""]
    if len(present) == 0:
        return text
    if present.str.match(ISO_ZONED).all():
        try:
            return pd.to_datetime(text, utc=True, format="ISO8601").astype(DATETIME_DTYPE)
        except (ValueError, TypeError):
            pass
    if is_text:
        return text
    if present.str.lower().isin(["true", "false"]).all():
        return text.str.lower().map({"true": True, "false": False}).astype("boolean")
    if present.str.match(INT_TEXT).all():
        try:
            return pd.to_numeric(text).astype("Int64")
        except (ValueError, TypeError, OverflowError):
            pass
    if present.str.match(FLOAT_TEXT).all():
        return pd.to_numeric(text).astype("float64")
    return text


def read_csv(path: str | os.PathLike[str], mapping: CsvMapping | None = None) -> pd.DataFrame:
    """Read a CSV event log into the standard columns (file order kept)."""
    mapping = mapping or CsvMapping()
    p = Path(path)
    if not p.is_file():
        raise LogInputError(f"{p}: no such file")
    head, complete = _head_text(p)
    sep = mapping.sep or sniff_separator(head)
    try:
        frame = pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                            encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise LogInputError(f"{p.name}: the file is empty; give a CSV log with a header row "
                            "and one row per event") from None
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise LogInputError(f"{p.name}: cannot parse as CSV with separator {sep!r} ({exc}); "
                            "pass --sep") from exc
    # Undo the formula neutralising of our writer (and of spreadsheets' "'=" convention).
    frame.columns = [_restored_name(c) for c in frame.columns]
    for i in range(frame.shape[1]):
        frame.isetitem(i, restore_formulas(frame.iloc[:, i]))
    columns = [str(c) for c in frame.columns]
    wanted = {"case": mapping.case, "activity": mapping.activity, "timestamp": mapping.timestamp,
              "start_timestamp": mapping.start_timestamp, "resource": mapping.resource}
    for option, name in wanted.items():
        if name is not None and name not in frame.columns:
            raise _missing(p, columns, option, name)
    quoted = {_restored_name(c) for c in _quoted_columns(head, sep, complete)}
    out: dict[str, pd.Series] = {}
    out[CASE] = frame[mapping.case].astype("str")
    out[ACTIVITY] = frame[mapping.activity].astype("str")
    out[TIMESTAMP] = parse_timestamps(frame[mapping.timestamp], mapping.timestamp_format,
                                      mapping.timezone, p.name, mapping.timestamp)
    if mapping.start_timestamp is not None:
        out[START_TIMESTAMP] = parse_timestamps(
            frame[mapping.start_timestamp], mapping.timestamp_format, mapping.timezone, p.name,
            mapping.start_timestamp)
    if mapping.resource is not None:
        out[RESOURCE] = frame[mapping.resource].astype("str")
    used = {n for n in wanted.values() if n is not None}
    for name in frame.columns:
        if name in used or name in out:
            continue
        blank_name = not str(name).strip() or str(name).startswith("Unnamed:")
        if blank_name and frame[name].isna().all():
            continue  # the empty column a trailing separator makes
        out[str(name)] = infer_column(frame[name], str(name) in quoted)
    return pd.DataFrame(out)


#: A text cell starting with one of these is a formula to a spreadsheet (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Cells that get a leading quote when written: a formula start, after any quotes (so a
#: value that already starts with quotes stays distinct, and reading undoes it exactly).
_RISKY = r"^'*[=+\-@\t\r]"
_NEUTRALISED = r"^'+[=+\-@\t\r]"


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would run as a formula, prefixed with ``'`` (NA kept).

    ``restore_formulas`` undoes it exactly: cells already starting with quotes before a
    formula start get one more, so no two values are written the same.
    """
    text = values.astype("str")
    risky = text.str.contains(_RISKY, regex=True, na=False)
    return text.where(~risky, "'" + text) if risky.any() else text


def restore_formulas(values: pd.Series) -> pd.Series:
    """The inverse of ``neutralise_formulas``: one leading ``'`` removed from cells that
    start with quotes and then a formula start."""
    text = values.astype("str")
    marked = text.str.contains(_NEUTRALISED, regex=True, na=False)
    return text.where(~marked, text.str.slice(1)) if marked.any() else text


def _neutral_name(name: object) -> str:
    text = str(name)
    return "'" + text if re.match(_RISKY, text) else text


def _restored_name(name: object) -> str:
    text = str(name)
    return text[1:] if re.match(_NEUTRALISED, text) else text


def _is_text(col: pd.Series) -> bool:
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return bool(pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with text columns and column names neutralised (``neutralise_formulas``)."""
    out = frame.copy()
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        if _is_text(col):
            out.isetitem(i, neutralise_formulas(col))
    out.columns = [_neutral_name(c) for c in frame.columns]
    return out


def to_safe_csv(frame: pd.DataFrame, path: str | os.PathLike[str] | None = None) -> str | None:
    """``frame.to_csv`` (no index) made safe for spreadsheets: formulas neutralised and
    CRLF line ends, with which the csv module quotes every cell holding CR or LF (a bare
    CR in a cell is otherwise written raw and read back as a row break). Returns the
    text when ``path`` is None."""
    safe = formula_safe_frame(frame)
    if path is None:
        return safe.to_csv(index=False, lineterminator="\r\n")
    safe.to_csv(path, index=False, lineterminator="\r\n")
    return None


def _csv_text(col: pd.Series) -> pd.Series:
    """One column as CSV field text: text quoted, numbers and booleans bare, NA empty."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        col = col.astype(dtype.categories.dtype)
        dtype = col.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        from taskloom.mining.io.xes_write import format_dates

        return ('"' + format_dates(col) + '"').fillna("")
    if pd.api.types.is_bool_dtype(dtype):
        return col.map({True: "true", False: "false"}).astype("str").fillna("")
    if pd.api.types.is_integer_dtype(dtype):
        return col.astype("Int64").astype("str").fillna("").replace("<NA>", "")
    if pd.api.types.is_float_dtype(dtype):
        values = col.astype("float64")
        text = pd.Series(values.to_numpy().astype(str), index=col.index, dtype="str")
        return text.where(values.notna(), "")
    text = neutralise_formulas(col)
    return ('"' + text.str.replace('"', '""', regex=False) + '"').fillna("")


def write_csv(log: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the log as CSV: comma-separated, ISO 8601 UTC timestamps, text quoted.

    Numbers and booleans are written bare and text quoted (header bare), so read_csv
    tells the string "50" from the integer 50 on the way back in. Text that a
    spreadsheet would run as a formula gets a leading ``'`` (module docstring).
    """
    frame = log.reset_index(drop=True)
    header = ",".join(_quote_header(str(c)) for c in frame.columns)
    if len(frame.columns):
        fields = [_csv_text(frame[c]) for c in frame.columns]
        lines = fields[0].str.cat(fields[1:], sep=",") if len(fields) > 1 else fields[0]
        body = "\n".join(lines.tolist())
    else:
        body = ""
    data = (header + "\n" + body + ("\n" if body else "")).encode("utf-8")
    p = Path(path)
    if p.name.lower().endswith(".gz"):
        with gzip.open(p, "wb") as fh:
            fh.write(data)
    else:
        p.write_bytes(data)


def _quote_header(name: str) -> str:
    name = _neutral_name(name)
    if any(ch in name for ch in ',"\n\r'):
        return '"' + name.replace('"', '""') + '"'
    return name
