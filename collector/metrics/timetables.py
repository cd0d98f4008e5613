"""Schedules (``user,date,start,end,kind``) and visit lists (``user,start,end,case``).

Times are wall-clock times in the study's time zone unless they carry a UTC offset
(``09:00+01:00``, ``2026-03-02T09:00Z``); localising goes through the IANA zone, so a
clinic at 09:00 is 09:00 on both sides of a DST change. A schedule row whose end is
earlier than its start runs past midnight. Users are the agent's pseudonyms (``U#…``);
any other name is pseudonymised with the study key exactly as the agent does. Errors
name the file, the line and the fix.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from taskloom.agent.protocol import keyed_token
from taskloom.collector.metrics.errors import MetricsInputError

SCHEDULE_COLUMNS = ("user", "date", "start", "end", "kind")
VISIT_COLUMNS = ("user", "start", "end")
KINDS = ("clinic", "admin", "other")
_TOKEN = re.compile(r"^U#[0-9a-f]{8}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class Timetable:
    """Intervals per pseudonymous user: schedule blocks (with kind) or visits (with case)."""

    users: tuple[str, ...]
    starts: np.ndarray  # UTC epoch ms
    ends: np.ndarray
    labels: tuple[str, ...]  # schedule: kind; visits: case
    source: str

    def __len__(self) -> int:
        return len(self.users)

    def select(self, label: str) -> Timetable:
        keep = [i for i, k in enumerate(self.labels) if k == label]
        return Timetable(tuple(self.users[i] for i in keep), self.starts[keep], self.ends[keep],
                         tuple(self.labels[i] for i in keep), self.source)


def check_zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MetricsInputError(f"time zone {zone!r} is unknown; use an IANA name such as "
                                "Europe/London or America/New_York") from None


def pseudonym(user: str, study_key: str | None) -> str:
    """The agent's user token: kept when already one, else keyed with the study key."""
    user = user.strip()
    if _TOKEN.match(user) or study_key is None:
        return user
    return keyed_token(study_key, user, prefix="U")


class _Reader:
    """Row access with the error convention: '<file> line N: problem; fix'."""

    def __init__(self, text: str, source: str, required: tuple[str, ...]) -> None:
        self.source = source
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise MetricsInputError(f"{source} line 1: missing column(s) {', '.join(missing)}; "
                                    f"the header must be {','.join(required)}")
        reader.fieldnames = header
        self.rows = [(i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in
                     enumerate(reader, 2)]

    def fail(self, line: int, problem: str) -> MetricsInputError:
        return MetricsInputError(f"{self.source} line {line}: {problem}")


def _zone_offsets(zone: ZoneInfo, naive: datetime) -> set[timedelta]:
    """The zone's UTC offsets at a wall-clock time: none in a DST gap, two when it happens twice."""
    found = set()
    for fold in (0, 1):
        aware = naive.replace(tzinfo=zone, fold=fold)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
            found.add(aware.utcoffset() or timedelta(0))
    return found


def _zone_offset(zone: ZoneInfo, naive: datetime) -> timedelta | None:
    """The one offset of a wall-clock time, or None (gap or ambiguous)."""
    found = _zone_offsets(zone, naive)
    return found.pop() if len(found) == 1 else None


def _offset(text: str) -> timedelta:
    if text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


class _Clock:
    """Turns (date, time text) into UTC ms and checks offsets against the zone."""

    def __init__(self, reader: _Reader, zone: str | None) -> None:
        self.r = reader
        self.zone_name = zone
        self.zone = check_zone(zone) if zone else None
        self.foreign: tuple[int, str] | None = None  # a row whose offset is not the zone's
        self.plain: int | None = None  # first row with a time without offset

    def to_ms(self, line: int, naive: datetime, offset: str | None) -> int:
        if offset is not None:
            off = _offset(offset)
            if self.zone is not None and self.foreign is None:
                local = _zone_offset(self.zone, naive)
                if local is not None and local != off:
                    self.foreign = (line, offset)
            self._check_mixed()
            return int((naive - off).replace(tzinfo=UTC).timestamp() * 1000)
        if self.plain is None:
            self.plain = line
        if self.zone is None:
            raise self.r.fail(line, f"time {naive:%Y-%m-%d %H:%M} has no UTC offset and the study has "
                                    "no time zone; pass --tz ZONE (e.g. Europe/London), set the study's "
                                    "'timezone' setting, or write times with an offset (09:00+01:00)")
        self._check_mixed()
        off = _offset_or_fail(self.zone, naive, self.r, line, self.zone_name or "")
        return int((naive - off).replace(tzinfo=UTC).timestamp() * 1000)

    def _check_mixed(self) -> None:
        if self.foreign is not None and self.plain is not None:
            line, off = self.foreign
            raise self.r.fail(self.plain, f"a time has no UTC offset, but line {line} carries offset "
                                          f"{off}, which is not {self.zone_name}'s: the file looks "
                                          f"written in another time zone; give every time its offset "
                                          f"or convert the file to {self.zone_name}")


def _offset_or_fail(zone: ZoneInfo, naive: datetime, r: _Reader, line: int, name: str) -> timedelta:
    off = _zone_offset(zone, naive)
    if off is not None:
        return off
    if _zone_offsets(zone, naive):
        raise r.fail(line, f"{naive:%Y-%m-%d %H:%M} happens twice in {name} (clocks go back); "
                           "add the UTC offset, e.g. 01:30+01:00")
    raise r.fail(line, f"{naive:%Y-%m-%d %H:%M} does not exist in {name} (clocks go forward); "
                       "fix the time")


def _time(r: _Reader, line: int, day: date, text: str, what: str) -> tuple[datetime, str | None]:
    m = _TIME.match(text)
    if not m or int(m[1]) > 24 or int(m[2]) > 59:
        raise r.fail(line, f"{what} {text!r} is not a time; write HH:MM (24 h), optionally with an "
                           "offset such as 09:00+01:00")
    minutes = int(m[1]) * 60 + int(m[2])
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes, seconds=int(m[3] or 0))
    return naive, m[4]


def parse_schedule(text: str, source: str, zone: str | None, study_key: str | None = None) -> Timetable:
    """Schedule rows → UTC intervals; overlapping rows of one user are an error."""
    r = _Reader(text, source, SCHEDULE_COLUMNS)
    clock = _Clock(r, zone)
    users, starts, ends, kinds, lines = [], [], [], [], []
    for line, row in r.rows:
        if not row.get("user"):
            raise r.fail(line, "user is empty; give the clinician's login or U# pseudonym")
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            raise r.fail(line, f"date {row['date']!r} is not a date; write YYYY-MM-DD") from None
        kind = row["kind"].lower()
        if kind not in KINDS:
            raise r.fail(line, f"kind {row['kind']!r} is unknown; use one of {', '.join(KINDS)}")
        a_naive, a_off = _time(r, line, day, row["start"], "start")
        b_naive, b_off = _time(r, line, day, row["end"], "end")
        a, b = clock.to_ms(line, a_naive, a_off), clock.to_ms(line, b_naive, b_off)
        if b <= a:  # runs past midnight: the end is on the next day
            b = clock.to_ms(line, b_naive + timedelta(days=1), b_off)
        if b <= a:
            raise r.fail(line, f"start {row['start']} and end {row['end']} make an empty block; fix the times")
        users.append(pseudonym(row["user"], study_key))
        starts.append(a)
        ends.append(b)
        kinds.append(kind)
        lines.append(line)
    _no_overlaps(r, users, starts, ends, lines)
    return Timetable(tuple(users), np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64),
                     tuple(kinds), source)


def _no_overlaps(r: _Reader, users: list[str], starts: list[int], ends: list[int], lines: list[int]) -> None:
    order = sorted(range(len(users)), key=lambda i: (users[i], starts[i]))
    for prev, cur in itertools.pairwise(order):
        if users[prev] == users[cur] and starts[cur] < ends[prev]:
            raise r.fail(lines[cur], f"overlaps line {lines[prev]} for user {users[cur]}; a clinician "
                                     "cannot be in two scheduled blocks at once: fix the times or merge the rows")


def _datetime(r: _Reader, line: int, text: str, what: str) -> tuple[datetime, str | None]:
    m = re.match(r"^(.*?)(Z|[+-]\d{2}:?\d{2})?$", text.replace(" ", "T", 1))
    try:
        naive = datetime.fromisoformat(m[1] if m else text)
    except ValueError:
        raise r.fail(line, f"{what} {text!r} is not a date-time; write YYYY-MM-DDTHH:MM, optionally "
                           "with an offset such as +01:00") from None
    if naive.tzinfo is not None:
        raise r.fail(line, f"{what} {text!r}: write the offset as +HH:MM or Z")
    return naive, (m[2] if m else None)


def parse_visits(text: str, source: str, zone: str | None, study_key: str | None = None) -> Timetable:
    """Visit-list rows → UTC intervals with their case (visits of one user may overlap)."""
    r = _Reader(text, source, VISIT_COLUMNS)
    clock = _Clock(r, zone)
    users, starts, ends, cases = [], [], [], []
    for line, row in r.rows:
        if not row.get("user"):
            raise r.fail(line, "user is empty; give the clinician's login or U# pseudonym")
        a = clock.to_ms(line, *_datetime(r, line, row["start"], "start"))
        b = clock.to_ms(line, *_datetime(r, line, row["end"], "end"))
        if b <= a:
            raise r.fail(line, f"end {row['end']} is not after start {row['start']}; fix the times")
        users.append(pseudonym(row["user"], study_key))
        starts.append(a)
        ends.append(b)
        cases.append(row.get("case", ""))
    return Timetable(tuple(users), np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64),
                     tuple(cases), source)
