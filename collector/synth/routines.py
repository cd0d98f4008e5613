"""Research-style UI logs: several routines interleaved in one stream, as Action Logger CSV.

Routines in the style of published task-mining logs: copying rows from Excel into a web
form, filling a web form, and looking invoices up on the web and recording them in Excel.
Instances follow each other with pauses that overlap the pauses inside them; some are
interrupted by a whole instance of another routine and then resumed; fields come in
varying order, steps are optional, and routines share the web app, buttons and fields;
two routines often open with the same steps (the CRM home page and its menu).
Ground truth: ``Task`` (routine) and ``idx`` (instance), which discovery never reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.collector.uilogs.actionlogger import ACTION_LOGGER_COLUMNS

FORM_URL = "https://crm.example.org/customers/new"
ORDER_URL = "https://crm.example.org/orders/edit"
SEARCH_URL = "https://billing.example.org/invoices/search"
HOME_URL = "https://crm.example.org/home"


def _portal(rng: np.random.Generator, steps: list[tuple[str, str, dict[str, object]]], menu: str,
            share: float) -> None:
    """Sometimes a routine opens on the CRM home page first: an opening step routines share."""
    if rng.random() < share:
        steps.append(("Chrome", "link", {"url": HOME_URL}))
        steps.append(("Chrome", "clickLink", {"url": HOME_URL, "target.name": menu}))


@dataclass(frozen=True)
class RoutineStudy:
    """How many routine instances, by how many users, interleaving rate, seed."""

    instances: int = 300
    users: int = 1
    seed: int = 0
    interleave: float = 0.2
    shared_opening: float = 0.35  # share of instances that open on the shared CRM home page


def _ev(rows: list[dict[str, object]], t: float, user: str, app: str, etype: str, task: str,
        idx: int, **kw: object) -> None:
    row: dict[str, object] = {"timeStamp": t, "userID": user, "targetApp": app, "eventType": etype,
                              "Task": task, "idx": idx}
    row.update(kw)
    rows.append(row)


def _excel_to_web(rng: np.random.Generator, share: float) -> list[tuple[str, str, dict[str, object]]]:
    steps: list[tuple[str, str, dict[str, object]]] = []
    _portal(rng, steps, "Customers", share)
    if rng.random() < 0.85:
        steps.append(("Excel", "openWorkbook", {"target.workbookName": "customers.xlsx",
                                                "target.sheetName": "Sheet1"}))
    steps.append(("Chrome", "link", {"url": FORM_URL}))
    fields = ["firstName", "lastName", "email", "phone"]
    rng.shuffle(fields)
    for f in fields[: int(rng.integers(3, 5))]:
        steps.append(("Excel", "copy", {"target.workbookName": "customers.xlsx",
                                        "target.sheetName": "Sheet1", "content": "x@y"}))
        steps.append(("Chrome", "paste", {"url": FORM_URL, "target.name": f, "target.value": "x@y"}))
    steps.append(("Chrome", "clickButton", {"url": FORM_URL, "target.name": "submit",
                                            "target.innerText": "Submit"}))
    return steps


def _web_form(rng: np.random.Generator, share: float) -> list[tuple[str, str, dict[str, object]]]:
    steps: list[tuple[str, str, dict[str, object]]] = []
    _portal(rng, steps, "Orders", share)
    steps.append(("Chrome", "link", {"url": ORDER_URL}))
    fields = ["orderId", "quantity", "email", "deliveryDate", "notes"]
    rng.shuffle(fields)
    for f in fields[: int(rng.integers(3, 6))]:
        steps.append(("Chrome", "changeField", {"url": ORDER_URL, "target.name": f,
                                                "target.value": "typed text"}))
    if rng.random() < 0.3:
        steps.append(("Chrome", "clickCheckbox", {"url": ORDER_URL, "target.name": "express",
                                                  "target.checked": "true"}))
    steps.append(("Chrome", "clickButton", {"url": ORDER_URL, "target.name": "submit"}))
    return steps


def _invoice_lookup(rng: np.random.Generator, share: float) -> list[tuple[str, str, dict[str, object]]]:
    steps: list[tuple[str, str, dict[str, object]]] = [
        ("Chrome", "link", {"url": SEARCH_URL}),
        ("Chrome", "changeField", {"url": SEARCH_URL, "target.name": "invoiceNo", "target.value": "INV-1"}),
        ("Chrome", "clickButton", {"url": SEARCH_URL, "target.name": "search"}),
    ]
    for _ in range(int(rng.integers(1, 3))):
        steps.append(("Chrome", "copy", {"url": SEARCH_URL, "target.name": "amount", "content": "12.00"}))
        steps.append(("Excel", "paste", {"target.workbookName": "ledger.xlsx", "target.sheetName": "March",
                                         "content": "12.00"}))
    if rng.random() < 0.5:
        steps.append(("Excel", "editCell", {"target.workbookName": "ledger.xlsx",
                                            "target.sheetName": "March", "content": "paid"}))
    return steps


ROUTINES = {"excel_to_web": _excel_to_web, "web_form": _web_form, "invoice_lookup": _invoice_lookup}


def routine_log(study: RoutineStudy) -> pd.DataFrame:
    """The log as an Action Logger frame (all ACTION_LOGGER_COLUMNS, plus Task and idx)."""
    rng = np.random.default_rng(study.seed)
    names = list(ROUTINES)
    rows: list[dict[str, object]] = []
    per_user = max(1, study.instances // study.users)
    idx = 0
    for u in range(study.users):
        user = f"user{u + 1}"
        t = 1_772_438_400.0 + u * 13.0  # 2026-03-02 08:00 UTC
        done = 0
        while done < per_user:
            name = str(rng.choice(names))
            steps = ROUTINES[name](rng, study.shared_opening)
            idx += 1
            cut = int(rng.integers(2, len(steps))) if rng.random() < study.interleave and len(steps) > 3 else -1
            for i, (app, etype, kw) in enumerate(steps):
                if i == cut:
                    # Interrupted: a whole instance of another routine, then back to this one.
                    other = str(rng.choice([n for n in names if n != name]))
                    idx += 1
                    t += float(rng.lognormal(np.log(4.0), 0.6))
                    for app2, etype2, kw2 in ROUTINES[other](rng, study.shared_opening):
                        t += float(rng.lognormal(np.log(2.5), 0.7))
                        _ev(rows, t, user, app2, etype2, other, idx, **kw2)
                    done += 1
                    t += float(rng.lognormal(np.log(4.0), 0.6))
                t += float(rng.lognormal(np.log(2.5), 0.7))
                _ev(rows, t, user, app, etype, name, idx - (1 if cut >= 0 and i >= cut else 0), **kw)
            done += 1
            t += float(rng.lognormal(np.log(6.0), 0.6))
    df = pd.DataFrame(rows)
    for col in ACTION_LOGGER_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    df["timeStamp"] = pd.to_datetime(df["timeStamp"], unit="s", utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%S.%f").str[:-3]
    df = df.sort_values(["timeStamp", "userID"], kind="stable")
    return df[[*ACTION_LOGGER_COLUMNS, "Task", "idx"]].reset_index(drop=True)


def write_routine_log(study: RoutineStudy, out_dir: Path) -> Path:
    """Write ``routines_actionlogger.csv`` under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "routines_actionlogger.csv"
    routine_log(study).to_csv(path, index=False)
    return path
