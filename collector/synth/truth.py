"""The true active time of the simulated clinicians, from the simulation's own clock.

The generator's model of attention: after each input a clinician attends to the screen
for at most ``attention_s`` (default 5 s) however many pauses follow; longer is time
looking away (at the patient, the phone, thinking). Typing is attended throughout; idle
periods are not, nor is the time before the first input of a session.
Each pause is booked to the screen the clinician was on, categorised by the generator's
own table of the screens it draws (not by the metrics' regex map), and split exactly
at the clinician's clinic blocks, visits, local midnights and the after-hours day.
Intervals are kept until the day ends (an interrupted task's tail is moved later).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from taskloom.collector.synth.actor import Actor

EHR_CATEGORIES = ("note documentation", "inbox", "orders", "prescriptions", "chart review",
                  "results", "other EHR")
# The generator's screens (collector/synth/ehr.py and schedule.py) → category.
_EPR_SCREENS = {
    "Progress note": "note documentation", "Unsigned notes": "note documentation",
    "In Basket": "inbox", "Order entry": "orders", "Prescribing": "prescriptions",
    "Patient summary": "chart review", "Results viewer": "results", "Referral": "other EHR",
    "Appointment book": "other EHR", "Correspondence": "other EHR", "Clinic list": "other EHR",
}
EPR_APP = "CareFlowEPR.exe"
_NEVER = 1 << 60


def true_category(app: str | None, title: str | None, url: str | None) -> str:
    """What the simulated clinician was doing on this screen, as the generator knows it."""
    if app == EPR_APP and title:
        return _EPR_SCREENS.get(title.split(" · ")[0], "other EHR")
    if app == "WINWORD.EXE" and (title or "").startswith("Discharge letter "):
        return "note documentation"
    if url == "bnf.nice.org.uk":
        return "prescriptions"
    return "non-EHR"


def _overlap(a: int, b: int, blocks: list[tuple[int, int]]) -> int:
    return sum(max(0, min(b, e) - max(a, s)) for s, e in blocks)


@dataclass
class TruthBook:
    """Collects attended intervals per clinician and sums them per local week at day end."""

    zone: str = "Europe/London"
    attention_s: float = 5.0
    clinic: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    visits: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    _since: dict[str, int] = field(default_factory=dict)  # ms paused since the last input
    _day: dict[str, list[list[object]]] = field(default_factory=lambda: defaultdict(list))
    sums: dict[tuple[str, str, str], list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0] * 4))

    def advanced(self, actor: Actor, start: int, end: int, what: str) -> None:
        user = actor.user
        if what == "input":
            self._since[user] = 0
            return
        if what == "idle":
            self._since[user] = _NEVER
            return
        since = self._since.get(user, _NEVER)
        budget = end - start if what == "typing" else round(self.attention_s * 1000) - since
        stop = start + min(max(budget, 0), end - start)
        self._since[user] = 0 if what == "typing" else since + (end - start)
        if stop > start:
            self._day[user].append([start, stop, true_category(actor.app, actor.title, actor.url)])

    def mark(self, user: str) -> int:
        return len(self._day[user])

    def shift(self, user: str, since: int, upto: int, by: int) -> None:
        """Move the intervals recorded before ``upto`` that start at or after ``since`` by ``by`` ms."""
        for rec in self._day[user][:upto]:
            if int(rec[0]) >= since:  # type: ignore[call-overload]
                rec[0] = int(rec[0]) + by  # type: ignore[call-overload]
                rec[1] = int(rec[1]) + by  # type: ignore[call-overload]

    def end_day(self) -> None:
        """Book the day's intervals: [total, in clinic, after hours, in visits] per (user, week, cat)."""
        tz = ZoneInfo(self.zone)
        for user, recs in self._day.items():
            for start, stop, cat in recs:
                for a, b in self._split_days(int(start), int(stop), tz):  # type: ignore[call-overload]
                    local = datetime.fromtimestamp(a / 1000, tz)
                    week = (local.date() - timedelta(days=local.weekday())).isoformat()
                    s = self.sums[(user, week, str(cat))]
                    s[0] += b - a
                    s[1] += _overlap(a, b, self.clinic[user])
                    s[2] += (b - a) - _overlap(a, b, self._daytime(local, tz))
                    s[3] += _overlap(a, b, self.visits[user])
        self._day.clear()

    @staticmethod
    def _split_days(a: int, b: int, tz: ZoneInfo) -> list[tuple[int, int]]:
        out = []
        while a < b:
            local = datetime.fromtimestamp(a / 1000, tz)
            nxt = datetime(local.year, local.month, local.day, tzinfo=tz) + timedelta(days=1)
            midnight = int(nxt.replace(tzinfo=tz).astimezone(UTC).timestamp() * 1000)
            out.append((a, min(b, midnight)))
            a = min(b, midnight)
        return out

    @staticmethod
    def _daytime(local: datetime, tz: ZoneInfo) -> list[tuple[int, int]]:
        """Weekday 06:00–18:00 of that local day (nothing at weekends), as UTC ms."""
        if local.weekday() >= 5:
            return []
        day = datetime(local.year, local.month, local.day)
        lo, hi = (day + timedelta(hours=h) for h in (6, 18))
        return [(int(lo.replace(tzinfo=tz).timestamp() * 1000), int(hi.replace(tzinfo=tz).timestamp() * 1000))]

    def frame(self) -> pd.DataFrame:
        """Seconds per (user, week, category): total, in clinic, after hours, in visits."""
        rows = [(u, w, c, *[v / 1000.0 for v in s]) for (u, w, c), s in sorted(self.sums.items())]
        return pd.DataFrame(rows, columns=["user", "week", "category", "active_s", "clinic_s",
                                           "after_hours_s", "visit_s"])
