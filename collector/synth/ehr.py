"""A synthetic EHR documentation study: case process, the UI work behind it, ground truth.

Each referral is a case: referral received → triage → appointment booked → consultation →
note signed → [orders placed → results reviewed]* → discharge letter sent, with variants
(no orders), rework (a note amended and signed again, tests re-ordered) and realistic
delays. Clinicians work through their queue during the day (some after hours), get
interrupted by mail and phone calls, fill gaps with clinic lists, guidelines and the rota,
and several work at once. Every UI event carries its ground truth.

Deliberately hard for task mining: think times inside and between tasks overlap; the
same patient is often worked on in consecutive tasks; screens are shared between task
types (patient summary, progress note, results viewer, correspondence); interruptions
split a task in two; tasks have optional and repeated steps, stray clicks and
unnamed elements; a few tasks leave for the browser to look something up.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from taskloom.agent.protocol import keyed_token
from taskloom.collector.synth.actor import Actor
from taskloom.collector.synth.hard import HardSettings, hide_identifier
from taskloom.collector.synth.sink import Sink

if TYPE_CHECKING:
    from taskloom.collector.synth.schedule import ClinicPlan

EPR = "CareFlowEPR.exe"
MAIL = "OUTLOOK.EXE"
BROWSER = "chrome.exe"
WORD = "WINWORD.EXE"
EXCEL = "EXCEL.EXE"
PHONE = "Softphone.exe"

DAY_MS = 86_400_000
STUDY_START = pd.Timestamp("2026-03-02T00:00:00Z")  # a Monday

# Case activities (system log) and the UI task type that performs each.
ACTIVITY_TASK = {
    "Triage": "triage_referral",
    "Appointment booked": "book_appointment",
    "Consultation": "consultation_note",
    "Note signed": "sign_note",
    "Orders placed": "place_orders",
    "Results reviewed": "review_results",
    "Discharge letter sent": "discharge_letter",
}
FILLER_TASKS = ("inbox", "clinic_list", "guideline_lookup", "rota")
_FILLER_WEIGHT = {"inbox": 0.5, "clinic_list": 0.2, "guideline_lookup": 0.15, "rota": 0.15}


def nhs_number(rng: np.random.Generator) -> str:
    """A random 10-digit NHS number with a valid mod-11 check digit ('943 476 5919' style)."""
    while True:
        digits = [int(d) for d in rng.integers(0, 10, size=9)]
        digits[0] = int(rng.integers(4, 10))
        total = sum(d * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            s = "".join(map(str, [*digits, check]))
            return f"{s[:3]} {s[3:6]} {s[6:]}"


@dataclass
class Case:
    """One referral: its patient and the pseudonymised case id shared by both logs."""

    nhs: str
    token: str  # keyed_token(study_key, nhs, "NHS"), as the agent writes it into titles
    clinician: int
    orders_rounds: int
    amend: bool


def _epr(screen: str, patient: str | None) -> str:
    return f"{screen} · {patient} · CareFlow EPR" if patient else f"{screen} · CareFlow EPR"


def _stray(a: Actor) -> None:
    """Noise: a stray click on an unnamed element or a generic toolbar button."""
    roll = a.rng.random()
    if roll < 0.06:
        a.click(None)
    elif roll < 0.10:
        a.click(str(a.rng.choice(["Refresh", "Back", "Help"])))


def _summary(a: Actor, p: str) -> None:
    a.focus(EPR, _epr("Patient summary", p))
    a.scroll(int(a.rng.integers(0, 3)))
    for _ in range(int(a.rng.integers(1, 3))):
        a.click(str(a.rng.choice(["Problems", "Medications", "Allergies", "Encounters"])))
    _stray(a)


def _results_viewer(a: Actor, p: str, n: int) -> None:
    a.focus(EPR, _epr("Results viewer", p))
    for _ in range(n):
        a.click("Next result")
        a.scroll(int(a.rng.integers(0, 3)))
    _stray(a)


def t_triage(a: Actor, p: str) -> None:
    a.focus(EPR, _epr("Referral", p))
    a.click("Open letter")
    a.scroll(int(a.rng.integers(1, 5)))
    if a.rng.random() < 0.5:
        _summary(a, p)
        a.focus(EPR, _epr("Referral", p))
    a.type("Triage comments", int(a.rng.integers(20, 120)))
    a.click(str(a.rng.choice(["Priority: Urgent", "Priority: Soon", "Priority: Routine"])))
    _stray(a)
    a.click("Accept referral")


def t_book(a: Actor, p: str) -> None:
    a.focus(EPR, _epr("Appointment book", p))
    a.click("Find slot")
    for _ in range(int(a.rng.integers(1, 4))):
        a.type("Date", int(a.rng.integers(6, 10)), "digits")
        a.click(str(a.rng.choice(["Clinic: Cardiology", "Clinic: Respiratory", "Clinic: General"])))
        a.scroll(int(a.rng.integers(0, 3)))
    a.click("Slot")
    _stray(a)
    a.click("Book")
    if a.rng.random() < 0.4:
        a.focus(EPR, _epr("Correspondence", p))
        a.click("Print appointment letter")


def t_consult(a: Actor, p: str) -> None:
    if a.rng.random() < 0.8:
        _summary(a, p)
    a.focus(EPR, _epr("Progress note", p))
    a.click(str(a.rng.choice(["Template: Clinic note", "Template: Follow-up", "Template: Free text"])))
    for i in range(int(a.rng.integers(3, 8))):
        a.type("Note body", int(a.rng.integers(40, 260)))
        if i == 1 and a.rng.random() < 0.35:
            _results_viewer(a, p, int(a.rng.integers(1, 3)))
            a.focus(EPR, _epr("Progress note", p))
        _stray(a)
    a.click("Save draft")


def t_sign(a: Actor, p: str) -> None:
    a.focus(EPR, _epr("Unsigned notes", p))
    a.click("Review")
    a.scroll(int(a.rng.integers(1, 4)))
    if a.rng.random() < 0.3:
        a.focus(EPR, _epr("Progress note", p))
        a.type("Note body", int(a.rng.integers(5, 40)))
        a.focus(EPR, _epr("Unsigned notes", p))
    a.click("Sign")
    a.type("Signature PIN", 6, "digits")
    a.click("Confirm signature")


def t_orders(a: Actor, p: str) -> None:
    a.focus(EPR, _epr("Order entry", p))
    for _ in range(int(a.rng.integers(1, 5))):
        a.click("Search orders")
        a.type("Order search", int(a.rng.integers(4, 14)), "short")
        a.click("Add to basket")
        _stray(a)
    if a.rng.random() < 0.08:
        # Looks a drug up on the web in the middle of ordering: part of this task.
        a.focus(BROWSER, "Amoxicillin | Drugs | BNF - Google Chrome", "bnf.nice.org.uk")
        a.scroll(int(a.rng.integers(1, 4)))
        a.focus(EPR, _epr("Order entry", p))
    a.click("Submit orders")


def t_results(a: Actor, p: str) -> None:
    _results_viewer(a, p, int(a.rng.integers(2, 6)))
    for _ in range(int(a.rng.integers(1, 4))):
        a.click("Acknowledge")
    if a.rng.random() < 0.4:
        a.type("Result comment", int(a.rng.integers(10, 60)))
    if a.rng.random() < 0.3:
        _summary(a, p)


def t_letter(a: Actor, p: str) -> None:
    if a.rng.random() < 0.5:
        _summary(a, p)
    doc = f"Discharge letter {p}.docx - Word"
    a.focus(WORD, doc)
    a.click("New from template")
    for _ in range(int(a.rng.integers(2, 5))):
        # Copies sections of the record into the letter: copy-paste heavy.
        a.focus(EPR, _epr(str(a.rng.choice(["Progress note", "Results viewer", "Patient summary"])), p))
        a.copy("Section text")
        a.focus(WORD, doc)
        a.paste("Letter body")
        a.type("Letter body", int(a.rng.integers(10, 80)))
    a.shortcut("ctrl+s")
    a.focus(EPR, _epr("Correspondence", p))
    a.click("Attach letter")
    a.click("Send letter")


def t_inbox(a: Actor) -> None:
    a.focus(MAIL, "Inbox - clinician@nhs.net - Outlook")
    for _ in range(int(a.rng.integers(1, 4))):
        a.click("Message list")
        a.scroll(int(a.rng.integers(0, 3)))
        if a.rng.random() < 0.3:
            a.click("Reply")
            a.type("Message body", int(a.rng.integers(15, 90)))
            a.click("Send")
        else:
            a.click(str(a.rng.choice(["Archive", "Flag", "Mark as read"])))


def t_phone(a: Actor) -> None:
    a.focus(PHONE, "Incoming call - Softphone")
    a.click("Answer")
    a.think(40, 0.6, 240)
    if a.rng.random() < 0.3:
        a.click("Hold")
        a.think(20, 0.5, 120)
        a.click("Resume")
    a.click("Hang up", median_s=5)


def t_clinic_list(a: Actor) -> None:
    a.focus(EPR, _epr("Clinic list", None))
    a.click("Refresh")
    a.scroll(int(a.rng.integers(1, 5)))
    for _ in range(int(a.rng.integers(1, 3))):
        a.click(str(a.rng.choice(["Filter: Today", "Filter: Tomorrow", "Filter: My patients"])))


def t_guideline(a: Actor) -> None:
    topic = str(a.rng.choice(["Hypertension in adults", "Chronic heart failure", "Asthma"]))
    a.focus(BROWSER, f"{topic} | Guidance | NICE - Google Chrome", "www.nice.org.uk")
    a.scroll(int(a.rng.integers(2, 7)))
    for _ in range(int(a.rng.integers(1, 3))):
        a.click("Recommendations")
        a.scroll(int(a.rng.integers(1, 3)))


def t_rota(a: Actor) -> None:
    a.focus(EXCEL, "Rota March.xlsx - Excel")
    for _ in range(int(a.rng.integers(2, 6))):
        a.click("Cell")
        a.type("Cell", int(a.rng.integers(2, 8)), "digits")
    a.shortcut("ctrl+s")


PATIENT_TASKS: dict[str, Callable[[Actor, str], None]] = {
    "triage_referral": t_triage,
    "book_appointment": t_book,
    "consultation_note": t_consult,
    "sign_note": t_sign,
    "place_orders": t_orders,
    "review_results": t_results,
    "discharge_letter": t_letter,
}
OTHER_TASKS: dict[str, Callable[[Actor], None]] = {
    "inbox": t_inbox,
    "phone_call": t_phone,
    "clinic_list": t_clinic_list,
    "guideline_lookup": t_guideline,
    "rota": t_rota,
}

# Delay (hours: median) from one activity being done to the next being ready.
NEXT_DELAY_H = {
    "Referral received": ("Triage", 3.0),
    "Triage": ("Appointment booked", 2.0),
    "Appointment booked": ("Consultation", 20.0),
    "Consultation": ("Note signed", 0.0),
    "Orders placed": ("Results reviewed", 18.0),
}


@dataclass
class Study:
    """Parameters of one generated study."""

    clinicians: int = 4
    days: int = 5
    seed: int = 0
    study_key: str = "taskloom-demo-study-key"
    referrals_per_clinician_day: float = 30.0
    interruption_rate: float = 0.18
    after_hours_rate: float = 0.2
    hard: HardSettings | None = None  # the hard linking settings (synth.hard); None: easy


@dataclass(order=True)
class _Work:
    ready: int
    order: int
    case: int = field(compare=False)
    activity: str = field(compare=False)


@dataclass
class _Clinician:
    index: int
    user: str
    device: str
    speed: float
    queue: list[_Work] = field(default_factory=list)
    last_filler: str | None = None


class EhrGenerator:
    """Simulates the study day by day; ``days()`` yields one wire-format chunk per day."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self.rng = np.random.default_rng(study.seed)
        self.cases: list[Case] = []
        self.system: list[dict[str, object]] = []
        self.seq: dict[str, int] = {}
        self.instances = 0
        self.order = 0
        self.plan: ClinicPlan | None = None  # schedules, visits, true active time (synth.schedule)
        self.hidden: set[str] = set()  # task instances shown without patient identifier (hard)
        self.hard_rng = np.random.default_rng([study.seed, 29])  # hard-setting draws only
        self.clinicians = [
            _Clinician(i, keyed_token(study.study_key, f"clinician{i:03d}", prefix="U"),
                       f"ws-{i:03d}", float(np.exp(0.2 * self.rng.standard_normal())))
            for i in range(study.clinicians)
        ]

    # -- the case process -------------------------------------------------------------
    def _new_referrals(self, day: int) -> None:
        base = int(STUDY_START.value // 1_000_000) + day * DAY_MS
        n = self.rng.poisson(self.study.referrals_per_clinician_day * self.study.clinicians)
        for _ in range(n):
            nhs = nhs_number(self.rng)
            clin = int(self.rng.integers(0, self.study.clinicians))
            rounds = int(self.rng.choice([0, 1, 1, 1, 2]))
            case = Case(nhs, keyed_token(self.study.study_key, nhs, prefix="NHS"), clin, rounds,
                        bool(self.rng.random() < 0.12))
            self.cases.append(case)
            ts = base + int(self.rng.uniform(7, 18) * 3_600_000)
            self._log(len(self.cases) - 1, "Referral received", ts, ts, "system")
            self._schedule(len(self.cases) - 1, "Referral received", ts)

    def _log(self, case: int, activity: str, start: int, end: int, resource: str) -> None:
        self.system.append({"case": self.cases[case].token, "activity": activity,
                            "start": start, "end": end, "resource": resource})

    def _push(self, case: int, activity: str, ready: int) -> None:
        self.order += 1
        clin = self.clinicians[self.cases[case].clinician]
        heapq.heappush(clin.queue, _Work(ready, self.order, case, activity))

    def _schedule(self, case: int, done: str, at: int) -> None:
        c = self.cases[case]
        if done == "Note signed":
            if c.amend:
                c.amend = False  # rework: the note is amended and signed again
                self._push(case, "Consultation", at + 3_600_000)
            elif c.orders_rounds > 0:
                self._push(case, "Orders placed", at)
            else:
                self._push(case, "Discharge letter sent", at + 2 * 3_600_000)
            return
        if done == "Results reviewed":
            c.orders_rounds -= 1
            nxt = "Orders placed" if c.orders_rounds > 0 else "Discharge letter sent"
            self._push(case, nxt, at + 3_600_000)
            return
        if done in NEXT_DELAY_H:
            nxt, hours = NEXT_DELAY_H[done]
            delay = 0 if hours == 0 else int(hours * float(np.exp(0.6 * self.rng.standard_normal())) * 3_600_000)
            self._push(case, nxt, at + delay)

    # -- a clinician's working day ------------------------------------------------------
    def _instance(self, clin: _Clinician) -> str:
        self.instances += 1
        return f"{clin.device}-t{self.instances}"

    def _run_filler(self, a: Actor, clin: _Clinician, name: str | None = None) -> None:
        if name is None:
            # Never the same filler twice in a row: back to back they would be one task.
            options = [f for f in FILLER_TASKS if f != clin.last_filler]
            weights = np.array([_FILLER_WEIGHT[f] for f in options])
            name = str(self.rng.choice(options, p=weights / weights.sum()))
        clin.last_filler = name
        a.truth = (name, self._instance(clin), None)
        OTHER_TASKS[name](a)

    def _run_patient_task(self, a: Actor, clin: _Clinician, work: _Work) -> None:
        case = self.cases[work.case]
        task = ACTIVITY_TASK[work.activity]
        truth = (task, self._instance(clin), case.token)
        a.truth = truth
        start = a.now
        interrupt_at = -1
        if self.rng.random() < self.study.interruption_rate:
            interrupt_at = int(self.rng.integers(3, 12))
        before = len(a.sink)
        hidden = self.study.hard is not None and self.hard_rng.random() < self.study.hard.no_id_share
        if interrupt_at > 0:
            # Interrupted part-way: the sink keeps events; we split by event count.
            PATIENT_TASKS[task](a, case.token)
            self._second_chart(a, case.token, hidden)
            done = len(a.sink) - before
            if done > interrupt_at + 2:
                self._interrupt(a, clin, before + interrupt_at, truth)
        else:
            PATIENT_TASKS[task](a, case.token)
            self._second_chart(a, case.token, hidden)
        if hidden:
            self._hide(a.sink, before, truth[1], case.token)
        self._log(work.case, work.activity, start, a.now, clin.user)
        self._schedule(work.case, work.activity, a.now)

    def _second_chart(self, a: Actor, token: str, hidden: bool) -> None:
        """Hard setting: a glance at another patient's chart, then back to the task's screen."""
        hard = self.study.hard
        if hard is None or hidden or len(self.cases) < 2 or self.hard_rng.random() >= hard.two_chart_rate:
            return
        other = token
        while other == token:
            other = self.cases[int(self.hard_rng.integers(0, len(self.cases)))].token
        saved = (a.app, a.title, a.url)
        a.focus(EPR, _epr("Patient summary", other))
        a.click(str(a.rng.choice(["Problems", "Medications", "Allergies"])))
        if saved[0] is not None and saved[1] is not None:
            a.focus(saved[0], saved[1], saved[2])
        a.click("Back")

    def _hide(self, sink: Sink, since: int, instance: str, token: str) -> None:
        """Hard setting: the task's screens show no patient identifier (list screens)."""
        self.hidden.add(instance)
        for i in range(since, len(sink)):
            if sink.t_inst[i] == instance:
                sink.title[i] = hide_identifier(sink.title[i], token)

    def _interrupt(self, a: Actor, clin: _Clinician, at: int, truth: tuple[str, str, str | None]) -> None:
        """Move events after position ``at`` later and put an interruption in between."""
        sink = a.sink
        resume_ts = sink.ts[at]
        tail = {name: getattr(sink, name)[at:] for name in _SINK_FIELDS}
        for name in _SINK_FIELDS:
            del getattr(sink, name)[at:]
        end_of_task = a.now
        saved = (a.app, a.title, a.url)
        mark = self.plan.mark(a) if self.plan is not None else 0
        a.now = resume_ts - 400
        self._run_filler(a, clin, "phone_call" if self.rng.random() < 0.35 else "inbox")
        a.think(3.0)
        shift = a.now - resume_ts
        # Back to the task: the window it was in comes to the front again.
        a.app, a.title, a.url = None, None, None
        a.truth = truth
        a.focus(str(tail["app"][0]), str(tail["title"][0]), tail["url"][0])
        shift = a.now - resume_ts + 300
        for name in _SINK_FIELDS:
            values = tail[name]
            if name == "ts":
                values = [t + shift for t in values]
            elif name == "attrs":  # a typing burst's end moves with it
                values = [_shift_end(v, shift) for v in values]
            getattr(sink, name).extend(values)
        a.now = end_of_task + shift
        a.app, a.title, a.url = saved
        if self.plan is not None:
            self.plan.shift(a, resume_ts, mark, shift)

    def _work_session(self, clin: _Clinician, a: Actor, end: int) -> None:
        while a.now < end:
            if self.plan is not None and self.plan.run_due(a, clin.index):
                pass  # a visit, or in-basket work (synth.schedule)
            elif clin.queue and clin.queue[0].ready <= a.now and self.rng.random() < 0.8:
                work = heapq.heappop(clin.queue)
                self._run_patient_task(a, clin, work)
                clin.last_filler = None
            else:
                self._run_filler(a, clin)
            # Between tasks: sometimes straight on, sometimes a pause, sometimes away.
            roll = self.rng.random()
            if roll < 0.04:
                a.idle(float(self.rng.uniform(360, 1800)), ("idle", self._instance(clin), None))
            else:
                a.think(6.0, 1.0, 240)

    def days(self) -> Iterator[pd.DataFrame]:
        """One wire-format chunk (all clinicians, sorted by time) per simulated day."""
        for day in range(self.study.days):
            self._new_referrals(day)
            if (day % 7) >= 5:
                continue  # weekend: referrals arrive, nobody works
            sink = Sink()
            base = int(STUDY_START.value // 1_000_000) + day * DAY_MS
            if self.plan is not None:
                self.plan.start_day(base)
            for clin in self.clinicians:
                start = base + int(self.rng.normal(8.4, 0.3) * 3_600_000)
                a = Actor(sink, self.rng, clin.user, clin.device, start, speed=clin.speed,
                          observer=None if self.plan is None else self.plan.truth)
                a.truth = ("idle", self._instance(clin), None)
                a.sink.add(a.user, a.device, a.now, "capture_start", None, None, a.truth)
                self._work_session(clin, a, base + int(12.5 * 3_600_000))
                a.idle(float(self.rng.uniform(1800, 3600)), ("idle", self._instance(clin), None))
                self._work_session(clin, a, base + int(17.2 * 3_600_000))
                if self.rng.random() < self.study.after_hours_rate:
                    a.idle(float(self.rng.uniform(7200, 9000)), ("idle", self._instance(clin), None))
                    self._work_session(clin, a, a.now + int(self.rng.uniform(0.5, 1.2) * 3_600_000))
            if self.plan is not None:
                self.plan.end_day()
            yield sink.frame(self.rng, self.seq)

    def system_log(self) -> pd.DataFrame:
        """The EHR audit log so far, with XES column names (one row per completed activity)."""
        df = pd.DataFrame(self.system)
        if df.empty:
            df = pd.DataFrame(columns=["case", "activity", "start", "end", "resource"])
        out = pd.DataFrame({
            "case:concept:name": df["case"].astype(str),
            "concept:name": df["activity"].astype(str),
            "time:timestamp": pd.to_datetime(df["end"].astype("int64"), unit="ms", utc=True),
            "start_timestamp": pd.to_datetime(df["start"].astype("int64"), unit="ms", utc=True),
            "org:resource": df["resource"].astype(str),
            "lifecycle:transition": "complete",
        })
        return out.sort_values(["time:timestamp", "case:concept:name"], kind="stable").reset_index(drop=True)


def _shift_end(attrs: str | None, shift: int) -> str | None:
    if attrs is None or '"end_ts"' not in attrs:
        return attrs
    parsed = json.loads(attrs)
    parsed["end_ts"] += shift
    return json.dumps(parsed, separators=(",", ":"))


_SINK_FIELDS = ("user", "device", "ts", "kind", "app", "title", "url", "element", "key_class",
                "button", "attrs", "t_type", "t_inst", "t_case")
