"""Clinic schedules, patient visits and the EHR work around them, for the synthetic study.

Each clinician has a weekly pattern of clinic and admin half-days (09:00–12:00 and
13:30–16:30 in the study's time zone). In a clinic block patients are booked every 20
minutes; the clinician sees them in turn (running late when desk work overruns), looks
at the chart during some visits, and prescribes after some. Between tasks the EHR
in-basket is worked. The generator calls this plan through four small hooks
(``start_day``, ``run_due``, ``mark``/``shift`` around an interruption, ``end_day``); the
plan writes ``schedule.csv``, ``visits.csv`` and the true active time
(``ehr_truth.csv``, ``ehr_truth_weeks.csv``, see ``synth.truth``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from taskloom.agent.protocol import keyed_token
from taskloom.collector.synth.actor import Actor
from taskloom.collector.synth.truth import EPR_APP, TruthBook

ZONE = "Europe/London"
BLOCKS = ((9.0, 12.0), (13.5, 16.5))  # local hours of the morning and afternoon sessions
SLOT_MIN = 20


def _epr(screen: str, patient: str | None) -> str:
    return f"{screen} · {patient} · CareFlow EPR" if patient else f"{screen} · CareFlow EPR"


@dataclass
class _Visit:
    start: int
    minutes: float
    patient: str


@dataclass
class ClinicPlan:
    """Schedules, visits, in-basket and prescribing work, and the truth book, for one study."""

    users: list[str]  # pseudonym per clinician index
    devices: list[str]
    seed: int
    study_key: str
    zone: str = ZONE
    attention_s: float = 5.0
    inbox_rate: float = 0.12
    cases: list[Any] = field(default_factory=list)  # the generator's referral cases (``.token``)
    truth: TruthBook = field(init=False)
    schedule_rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    visit_rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    week_rows: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0] * 5))

    def __post_init__(self) -> None:
        self.truth = TruthBook(self.zone, self.attention_s)
        self.rng = np.random.default_rng([self.seed, 13])
        self.tz = ZoneInfo(self.zone)
        n = len(self.users)
        # Clinic share of half-days per clinician (0.5–0.9): some are part-time in clinic.
        share = self.rng.uniform(0.5, 0.9, size=n)
        self.pattern = self.rng.random((n, 5, len(BLOCKS))) < share[:, None, None]
        self.queue: list[list[_Visit]] = [[] for _ in range(n)]
        self.count = 0

    def _utc(self, day: datetime, hours: float) -> int:
        local = (day + timedelta(hours=hours)).replace(tzinfo=self.tz)
        return int(local.astimezone(UTC).timestamp() * 1000)

    def _week(self, day: datetime) -> str:
        return (day.date() - timedelta(days=day.weekday())).isoformat()

    def start_day(self, base_ms: int) -> None:
        """Plan the day that starts at ``base_ms`` (its date is the local date)."""
        day = datetime.fromtimestamp(base_ms / 1000, UTC).replace(tzinfo=None, hour=0, minute=0)
        if day.weekday() >= 5:
            return
        for i, user in enumerate(self.users):
            self.queue[i] = []
            for b, (lo, hi) in enumerate(BLOCKS):
                kind = "clinic" if self.pattern[i, day.weekday(), b] else "admin"
                self.schedule_rows.append((user, day.date().isoformat(), _hm(lo), _hm(hi), kind))
                if kind != "clinic":
                    continue
                start, end = self._utc(day, lo), self._utc(day, hi)
                self.truth.clinic[user].append((start, end))
                self.week_rows[(user, self._week(day))][0] += (end - start) / 1000.0
                for slot in range(start, end, SLOT_MIN * 60_000):
                    if self.rng.random() < 0.9:
                        minutes = float(np.clip(15 * np.exp(0.25 * self.rng.standard_normal()), 8, 19))
                        self.queue[i].append(_Visit(slot, minutes, self._patient()))

    def _patient(self) -> str:
        """A patient of the study's referrals (so visits link to cases); a new one before any."""
        if self.cases:
            return str(self.cases[int(self.rng.integers(0, len(self.cases)))].token)
        from taskloom.collector.synth.ehr import nhs_number

        return keyed_token(self.study_key, nhs_number(self.rng), prefix="NHS")

    def _instance(self, i: int, what: str) -> str:
        self.count += 1
        return f"{self.devices[i]}-{what}{self.count}"

    def run_due(self, a: Actor, i: int) -> bool:
        """Run a visit that is due (or an in-basket task now and then); False: nothing ran."""
        q = self.queue[i]
        if q and q[0].start <= a.now + 60_000:
            self._visit(a, i, q.pop(0))
            return True
        if self.rng.random() < self.inbox_rate:
            self._inbox(a, i)
            return True
        return False

    def _visit(self, a: Actor, i: int, v: _Visit) -> None:
        a.wait_until(v.start)
        start = a.now
        a.truth = ("visit", self._instance(i, "v"), v.patient)
        planned_end = start + int(v.minutes * 60_000)
        while True:  # talking with the patient, now and then a look at the record or a line of notes
            if self.rng.random() < 0.45:
                self._at_desk(a, v.patient)
            talk = int(self.rng.uniform(60, 300) * 1000)
            if a.now + talk >= planned_end - 30_000:
                break
            a.idle(talk / 1000.0, ("idle", self._instance(i, "i"), None))
        if planned_end > a.now:
            a.idle((planned_end - a.now) / 1000.0, ("idle", self._instance(i, "i"), None))
        end = a.now
        user = self.users[i]
        self.truth.visits[user].append((start, end))
        day = datetime.fromtimestamp(start / 1000, self.tz).replace(tzinfo=None)
        w = self.week_rows[(user, self._week(day))]
        w[1] += 1
        w[2] += (end - start) / 1000.0
        self.visit_rows.append((user, _iso(start, self.tz), _iso(end, self.tz), v.patient))
        if self.rng.random() < 0.45:
            self._prescribe(a, i, v.patient)

    def _at_desk(self, a: Actor, patient: str) -> None:
        screen = str(self.rng.choice(["Patient summary", "Results viewer", "Progress note"]))
        a.focus(EPR_APP, _epr(screen, patient))
        if screen == "Progress note":
            a.type("Note body", int(self.rng.integers(10, 80)))
        for _ in range(int(self.rng.integers(1, 4))):
            a.click(str(self.rng.choice(["Problems", "Medications", "Next result", "Encounters"])))

    def _prescribe(self, a: Actor, i: int, patient: str) -> None:
        a.think(2.0)
        a.truth = ("prescribing", self._instance(i, "p"), patient)
        a.focus(EPR_APP, _epr("Prescribing", patient))
        for _ in range(int(self.rng.integers(1, 4))):
            a.click("Search drug")
            a.type("Drug search", int(self.rng.integers(4, 12)), "short")
            a.click("Select")
            a.type("Dose", int(self.rng.integers(2, 5)), "digits")
        a.click("Sign prescription")

    def _inbox(self, a: Actor, i: int) -> None:
        a.truth = ("ehr_inbox", self._instance(i, "b"), None)
        a.focus(EPR_APP, _epr("In Basket", None))
        a.click(str(self.rng.choice(["Results to review", "Patient messages", "Refill requests"])))
        for _ in range(int(self.rng.integers(1, 5))):
            a.click("Message")
            a.scroll(int(self.rng.integers(0, 3)))
            if self.rng.random() < 0.35:
                a.type("Reply", int(self.rng.integers(20, 120)))
                a.click("Send")
            else:
                a.click("Done")

    def mark(self, a: Actor) -> int:
        return self.truth.mark(a.user)

    def shift(self, a: Actor, since: int, mark: int, by: int) -> None:
        self.truth.shift(a.user, since, mark, by)

    def end_day(self) -> None:
        self.truth.end_day()

    def order_authors(self, system: pd.DataFrame) -> pd.DataFrame:
        """Orders get ``signed_by`` (the clinician) and ``entered_by`` (a nurse in ~30%)."""
        orders = system["concept:name"].eq("Orders placed")
        nurses = [keyed_token(self.study_key, f"nurse{k:02d}", prefix="U") for k in range(4)]
        signer = system["org:resource"].where(orders)
        team = orders & (self.rng.random(len(system)) < 0.3)
        entered = signer.copy()
        entered[team] = [nurses[int(k)] for k in self.rng.integers(0, len(nurses), int(team.sum()))]
        out = system.assign(signed_by=signer, entered_by=entered)
        for ts, user, is_team in zip(out.loc[orders, "time:timestamp"], signer[orders], team[orders], strict=True):
            day = pd.Timestamp(ts).tz_convert(self.zone).tz_localize(None).to_pydatetime()
            w = self.week_rows[(str(user), self._week(day))]
            w[3] += 1
            w[4] += int(is_team)
        return out

    def write(self, out_dir: Path) -> dict[str, Path]:
        """schedule.csv, visits.csv, ehr_truth.csv and ehr_truth_weeks.csv under ``out_dir``."""
        paths = {name: out_dir / f"{name}.csv" for name in ("schedule", "visits", "ehr_truth", "ehr_truth_weeks")}
        pd.DataFrame(self.schedule_rows, columns=["user", "date", "start", "end", "kind"]).to_csv(
            paths["schedule"], index=False)
        pd.DataFrame(self.visit_rows, columns=["user", "start", "end", "case"]).to_csv(paths["visits"], index=False)
        self.truth.frame().to_csv(paths["ehr_truth"], index=False)
        weeks: list[tuple[Any, ...]] = [(u, w, *v) for (u, w), v in sorted(self.week_rows.items())]
        pd.DataFrame(weeks, columns=["user", "week", "scheduled_patient_s", "visits", "visit_s", "orders",
                                     "team_orders"]).to_csv(paths["ehr_truth_weeks"], index=False)
        return paths


def _hm(hours: float) -> str:
    return f"{int(hours):02d}:{round(hours % 1 * 60):02d}"


def _iso(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="milliseconds")
