"""Research-style UI logs for the task-recognition robustness grid (Action Logger CSV frame).

One setting per axis of the grid: how many apps the routines use (1: every type lives in
one web app and types differ only by screen and elements; 3: a spreadsheet, a mail client
and the web app), how many task types (2…8), interleaving (an instance interrupted by a
whole instance of another type, then resumed), variation (optional steps, fields in
random order, a type copying its values sometimes from the spreadsheet and sometimes from
mail), and noise events (stray clicks, scrolls and clipboard events between steps).
Records differ per instance (row numbers in cells, ids in URLs and element ids), as in
real recordings. Ground truth: ``Task`` (type) and ``idx`` (instance), never read by
discovery. Deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.collector.uilogs.actionlogger import ACTION_LOGGER_COLUMNS

HOST = "https://erp.example.org"
#: Screens (modules) of the one web app; each type works on one of them.
MODULES = ("customers", "orders", "invoices", "suppliers", "contracts", "shipments", "claims",
           "employees", "assets", "tickets")
#: Field names; types draw theirs from here, so some fields are shared between types.
FIELDS = ("name", "email", "phone", "date", "amount", "reference", "address", "city", "notes",
          "status", "quantity", "owner", "category", "priority", "account", "country")

Step = tuple[str, str, dict[str, object]]


@dataclass(frozen=True)
class GridLog:
    """One cell of the robustness grid."""

    types: int = 3
    apps: int = 3                 # 1: one web app only; 3: spreadsheet + mail + web app
    interleave: float = 0.0       # share of instances interrupted by another whole instance
    variation: bool = True        # optional steps, reordered fields, mixed sources
    noise: float = 0.0            # probability of a stray event after each step
    instances: int = 300
    seed: int = 0


@dataclass(frozen=True)
class _Type:
    name: str
    module: str
    fields: tuple[str, ...]
    optional: tuple[str, ...]
    source: str          # Excel or Outlook (apps=3) or "" (apps=1)
    alt_source: str      # the other source, used by some instances when variation is on
    workbook: str
    search_first: bool   # opens the list and searches before editing


def _types(cfg: GridLog, rng: np.random.Generator) -> list[_Type]:
    modules = rng.permutation(len(MODULES))[: cfg.types]
    out = []
    for t, m in enumerate(modules):
        fields = tuple(str(f) for f in rng.choice(FIELDS, size=int(rng.integers(4, 7)), replace=False))
        rest = [f for f in FIELDS if f not in fields]
        optional = tuple(str(f) for f in rng.choice(rest, size=2, replace=False))
        source = ("Excel", "Outlook")[t % 2] if cfg.apps == 3 else ""
        alt = ("Outlook", "Excel")[t % 2] if cfg.apps == 3 else ""
        out.append(_Type(f"type{t + 1}", MODULES[int(m)], fields, optional, source, alt,
                         f"{MODULES[int(m)]}_{t + 1}.xlsx", bool(rng.random() < 0.5)))
    return out


def _instance(tp: _Type, cfg: GridLog, rng: np.random.Generator, row: int) -> list[Step]:
    rec = int(rng.integers(10_000, 99_999))
    screen = f"{HOST}/app/{tp.module}/{rec}/edit"
    listing = f"{HOST}/app/{tp.module}"
    steps: list[Step] = [("Chrome", "navigate_to", {"url": listing})]
    if tp.search_first:
        steps.append(("Chrome", "clickTextField", {"url": listing, "target.id": "search",
                                                   "target.tagName": "INPUT", "target.type": "text"}))
        steps.append(("Chrome", "editField", {"url": listing, "target.id": "search",
                                              "target.tagName": "INPUT", "content": "x"}))
    steps.append(("Chrome", "clickLink", {"url": listing, "target.tagName": "A",
                                          "target.id": f"row-{rec}", "target.innerText": "open"}))
    fields = list(tp.fields)
    if cfg.variation:
        rng.shuffle(fields)
        fields += [f for f in tp.optional if rng.random() < 0.35]
        if rng.random() < 0.2:
            fields.pop(int(rng.integers(0, len(fields))))
    source = tp.source
    if cfg.variation and tp.alt_source and rng.random() < 0.4:
        source = tp.alt_source
    for col, f in enumerate(fields):
        el: dict[str, object] = {"url": screen, "target.tagName": "INPUT", "target.type": "text",
              "target.id": f"{tp.module[:3]}_{f}_{rec % 97}", "target.name": f"{tp.module}[{f}]"}
        if source == "Excel":
            steps.append(("Excel", "getCell", {"target.workbookName": tp.workbook,
                                               "target.sheetName": "Sheet1",
                                               "target.id": f"{chr(65 + col)}{row}"}))
            steps.append(("OS-Clipboard", "copy", {"content": "v"}))
            steps.append(("Chrome", "paste", {**el, "target.value": "v"}))
        elif source == "Outlook":
            steps.append(("Outlook", "selectText", {"target.name": "message body",
                                                    "target.title": f"{tp.module} request"}))
            steps.append(("OS-Clipboard", "copy", {"content": "v"}))
            steps.append(("Chrome", "paste", {**el, "target.value": "v"}))
        else:
            steps.append(("Chrome", "clickTextField", el))
            steps.append(("Chrome", "editField", {**el, "target.value": "typed"}))
    if cfg.variation and rng.random() < 0.3:
        steps.append(("Chrome", "clickCheckbox", {"url": screen, "target.tagName": "INPUT",
                                                  "target.type": "checkbox",
                                                  "target.name": f"{tp.module}[confirm]"}))
    steps.append(("Chrome", "clickButton", {"url": screen, "target.tagName": "BUTTON",
                                            "target.type": "submit", "target.id": "save"}))
    return steps


def _noise(rng: np.random.Generator) -> Step:
    pick = int(rng.integers(0, 3))
    if pick == 0:
        return ("Chrome", "scroll", {"url": f"{HOST}/app/home"})
    if pick == 1:
        return ("OS-Clipboard", "copy", {"content": "n"})
    return ("Chrome", "clickLink", {"url": f"{HOST}/app/home", "target.tagName": "A",
                                    "target.id": "notifications"})


def grid_log(cfg: GridLog) -> pd.DataFrame:
    """The log as an Action Logger frame (all ACTION_LOGGER_COLUMNS, plus Task and idx)."""
    rng = np.random.default_rng(cfg.seed)
    types = _types(cfg, rng)
    rows: list[dict[str, object]] = []
    t = 1_772_438_400.0
    idx = 0
    done = 0
    row = 1

    def emit(steps: list[Step], tp: _Type, inst: int) -> None:
        nonlocal t
        for app, etype, kw in steps:
            t += float(rng.lognormal(np.log(2.5), 0.7))
            rows.append({"timeStamp": t, "userID": "user1", "targetApp": app, "eventType": etype,
                         "Task": tp.name, "idx": inst, **kw})
            if cfg.noise and rng.random() < cfg.noise:
                t += float(rng.lognormal(np.log(1.5), 0.7))
                n_app, n_type, n_kw = _noise(rng)
                rows.append({"timeStamp": t, "userID": "user1", "targetApp": n_app,
                             "eventType": n_type, "Task": tp.name, "idx": inst, **n_kw})

    while done < cfg.instances:
        tp = types[int(rng.integers(0, len(types)))]
        row += 1
        idx += 1
        steps = _instance(tp, cfg, rng, row)
        me = idx
        if cfg.interleave and len(types) > 1 and rng.random() < cfg.interleave:
            cut = int(rng.integers(2, len(steps) - 1))
            emit(steps[:cut], tp, me)
            other = types[int(rng.choice([i for i in range(len(types)) if types[i] is not tp]))]
            row += 1
            idx += 1
            t += float(rng.lognormal(np.log(4.0), 0.6))
            emit(_instance(other, cfg, rng, row), other, idx)
            done += 1
            t += float(rng.lognormal(np.log(4.0), 0.6))
            emit(steps[cut:], tp, me)
        else:
            emit(steps, tp, me)
        done += 1
        t += float(rng.lognormal(np.log(6.0), 0.6))
    df = pd.DataFrame(rows)
    for col in ACTION_LOGGER_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    df["timeStamp"] = pd.to_datetime(df["timeStamp"], unit="s", utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%S.%f").str[:-3]
    return df[[*ACTION_LOGGER_COLUMNS, "Task", "idx"]].reset_index(drop=True)
