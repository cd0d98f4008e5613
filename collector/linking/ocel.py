"""OCEL 2.0 from the merged log: JSON (.jsonocel), SQLite (.sqlite) and XML (.xmlocel).

Objects: ``case``, ``task instance``, ``user``, ``device`` and ``app``. Events: the system
activities (one per system event) and the task types (one per task instance, at its end).
Event-to-object relations are qualified (``case``, ``resource``, ``task``, ``user``,
``device``, ``app``); each linked task instance has a ``serves`` object-to-object relation to
its case. Object ids carry their type as a prefix (``case:…``, ``task:…``) so ids of
different types never collide. ``build_ocel`` is pure; the writers take a path.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

OBJECT_TYPES = ("case", "task instance", "user", "device", "app")
OCEL_SUFFIXES = (".jsonocel", ".sqlite", ".xmlocel")
EVENT_ATTRIBUTES = (("level", "string"), ("link_method", "string"), ("link_confidence", "float"),
                    ("active_time", "float"))
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Ocel:
    """The OCEL 2.0 tables: events, objects, event-to-object and object-to-object relations."""

    events: pd.DataFrame  # id, type, time (UTC), level, link_method, link_confidence, active_time
    objects: pd.DataFrame  # id, type
    e2o: pd.DataFrame  # event, object, qualifier
    o2o: pd.DataFrame  # source, target, qualifier


def build_ocel(merged: pd.DataFrame) -> Ocel:
    """The object-centric view of a merged log (``merged.build_merged_log``)."""
    m = merged.reset_index(drop=True)
    is_task = (m["level"] == "task").to_numpy()
    ev_id = np.where(is_task, "task-event:" + m["event_id"].astype(str), "event:" + m["event_id"].astype(str))
    events = pd.DataFrame({
        "id": ev_id,
        "type": m["concept:name"].astype("string").fillna("unknown").to_numpy(),
        "time": pd.to_datetime(m["time:timestamp"], utc=True).to_numpy(),
        "level": m["level"].astype("string").to_numpy(),
        "link_method": m["link_method"].astype("string").to_numpy(),
        "link_confidence": m["link_confidence"].astype("Float64").to_numpy(),
        "active_time": m["active_time"].astype("Float64").to_numpy(),
    })
    rels = []
    for column, prefix, qualifier, only in (
        ("case:concept:name", "case:", "case", None),
        ("org:resource", "user:", "resource", False),
        ("org:resource", "user:", "user", True),
        ("task_instance", "task:", "task", True),
        ("device", "device:", "device", True),
        ("app", "app:", "app", True),
    ):
        values = m[column].astype("string")
        keep = values.notna().to_numpy().copy()
        if only is not None:
            keep &= is_task if only else ~is_task
        rels.append(pd.DataFrame({"event": ev_id[keep], "object": prefix + values[keep].to_numpy().astype(str),
                                  "qualifier": qualifier}))
    e2o = pd.concat(rels, ignore_index=True).drop_duplicates()
    kind = {"case:": "case", "task:": "task instance", "user:": "user", "device:": "device", "app:": "app"}
    objects = pd.DataFrame({"id": e2o["object"].unique()})
    objects["type"] = objects["id"].str.extract(r"^([a-z]+:)", expand=False).map(kind)
    linked = is_task & m["case:concept:name"].notna().to_numpy()
    o2o = pd.DataFrame({"source": "task:" + m.loc[linked, "task_instance"].astype(str).to_numpy(),
                        "target": "case:" + m.loc[linked, "case:concept:name"].astype(str).to_numpy(),
                        "qualifier": "serves"}).drop_duplicates()
    return Ocel(events, objects, e2o.reset_index(drop=True), o2o.reset_index(drop=True))


def write_ocel(ocel: Ocel, path: str | Path) -> None:
    """Write by suffix: .jsonocel, .sqlite or .xmlocel (the file is replaced)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".jsonocel":
        write_jsonocel(ocel, p)
    elif suffix == ".sqlite":
        write_sqlite(ocel, p)
    elif suffix == ".xmlocel":
        write_xmlocel(ocel, p)
    else:
        raise ValueError(f"{p.name}: not an OCEL 2.0 suffix ({', '.join(OCEL_SUFFIXES)})")


def _iso(values: pd.Series | np.ndarray) -> np.ndarray:
    stamps = pd.to_datetime(pd.Series(values), utc=True)
    return stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.slice(0, 23).add("Z").to_numpy()


def _attr_values(ocel: Ocel) -> Iterator[list[tuple[str, str, object]]]:
    ev = ocel.events
    cols = [(name, kind, ev[name].to_numpy()) for name, kind in EVENT_ATTRIBUTES]
    for i in range(len(ev)):
        out: list[tuple[str, str, object]] = []
        for name, kind, values in cols:
            v = values[i]
            if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            out.append((name, kind, float(v) if kind == "float" else str(v)))
        yield out


def _grouped(frame: pd.DataFrame, key: str, cols: tuple[str, str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for k, a, b in zip(frame[key].to_numpy(), frame[cols[0]].to_numpy(), frame[cols[1]].to_numpy(), strict=True):
        out.setdefault(str(k), []).append((str(a), str(b)))
    return out


def write_jsonocel(ocel: Ocel, path: Path) -> None:
    """OCEL 2.0 JSON."""
    e2o = _grouped(ocel.e2o, "event", ("object", "qualifier"))
    o2o = _grouped(ocel.o2o, "source", ("target", "qualifier"))
    ev = ocel.events
    times = _iso(ev["time"])
    attr_types = [{"name": n, "type": k} for n, k in EVENT_ATTRIBUTES]
    doc = {
        "objectTypes": [{"name": t, "attributes": []} for t in OBJECT_TYPES if (ocel.objects["type"] == t).any()],
        "eventTypes": [{"name": t, "attributes": attr_types} for t in pd.unique(ev["type"])],
        "objects": [{"id": oid, "type": otype, "attributes": [],
                     "relationships": [{"objectId": t, "qualifier": q} for t, q in o2o.get(oid, [])]}
                    for oid, otype in zip(ocel.objects["id"], ocel.objects["type"], strict=True)],
        "events": [{"id": eid, "type": etype, "time": t,
                    "attributes": [{"name": n, "value": v} for n, _k, v in attrs],
                    "relationships": [{"objectId": o, "qualifier": q} for o, q in e2o.get(eid, [])]}
                   for eid, etype, t, attrs in zip(ev["id"], ev["type"], times, _attr_values(ocel), strict=True)],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _map_names(types: list[str]) -> dict[str, str]:
    """Type → a unique alphanumeric table suffix (as OCEL 2.0 SQLite's ``ocel_type_map``)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for t in types:
        base = re.sub(r"[^0-9A-Za-z]", "", t.title()) or "Type"
        name, k = base, 1
        while name.lower() in used or name.lower() in ("maptype", "object"):
            k += 1
            name = f"{base}{k}"
        used.add(name.lower())
        out[t] = name
    return out


def write_sqlite(ocel: Ocel, path: Path) -> None:
    """OCEL 2.0 relational SQLite (passes pm4py's OCEL 2.0 relational validator)."""
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        cur = con.cursor()
        cur.executescript("""
CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT, PRIMARY KEY (ocel_type));
CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT, PRIMARY KEY (ocel_type));
CREATE TABLE event (ocel_id TEXT, ocel_type TEXT, PRIMARY KEY (ocel_id),
  FOREIGN KEY (ocel_type) REFERENCES event_map_type (ocel_type));
CREATE TABLE object (ocel_id TEXT, ocel_type TEXT, PRIMARY KEY (ocel_id),
  FOREIGN KEY (ocel_type) REFERENCES object_map_type (ocel_type));
CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT,
  PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier),
  FOREIGN KEY (ocel_event_id) REFERENCES event (ocel_id), FOREIGN KEY (ocel_object_id) REFERENCES object (ocel_id));
CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT,
  PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier),
  FOREIGN KEY (ocel_source_id) REFERENCES object (ocel_id), FOREIGN KEY (ocel_target_id) REFERENCES object (ocel_id));
""")
        ev = ocel.events
        ev_types = [str(t) for t in pd.unique(ev["type"])]
        ev_map = _map_names(ev_types)
        ob_types = [t for t in OBJECT_TYPES if (ocel.objects["type"] == t).any()]
        ob_map = _map_names(ob_types)
        cur.executemany("INSERT INTO event_map_type VALUES (?, ?)", ev_map.items())
        cur.executemany("INSERT INTO object_map_type VALUES (?, ?)", ob_map.items())
        cur.executemany("INSERT INTO event VALUES (?, ?)", zip(ev["id"], ev["type"], strict=True))
        cur.executemany("INSERT INTO object VALUES (?, ?)", zip(ocel.objects["id"], ocel.objects["type"], strict=True))
        cur.executemany("INSERT INTO event_object VALUES (?, ?, ?)", ocel.e2o.itertuples(index=False, name=None))
        cur.executemany("INSERT INTO object_object VALUES (?, ?, ?)", ocel.o2o.itertuples(index=False, name=None))
        times = pd.to_datetime(ev["time"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S.%f").str.slice(0, 23).to_numpy()
        attr_cols = ", ".join(f"{n} {'REAL' if k == 'float' else 'TEXT'}" for n, k in EVENT_ATTRIBUTES)
        for t, name in ev_map.items():
            cur.execute(f'CREATE TABLE "event_{name}" (ocel_id TEXT, ocel_time TIMESTAMP, {attr_cols}, '
                        "PRIMARY KEY (ocel_id), FOREIGN KEY (ocel_id) REFERENCES event (ocel_id))")
            sel = (ev["type"] == t).to_numpy()
            rows = zip(ev["id"].to_numpy()[sel], times[sel],
                       *[[None if pd.isna(v) else (float(v) if k == "float" else str(v))
                          for v in ev[n].to_numpy()[sel]] for n, k in EVENT_ATTRIBUTES], strict=True)
            marks = ", ".join("?" * (2 + len(EVENT_ATTRIBUTES)))
            cur.executemany(f'INSERT INTO "event_{name}" VALUES ({marks})', rows)
        for t, name in ob_map.items():
            cur.execute(f'CREATE TABLE "object_{name}" (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT, '
                        "FOREIGN KEY (ocel_id) REFERENCES object (ocel_id))")
            ids = ocel.objects.loc[ocel.objects["type"] == t, "id"]
            cur.executemany(f'INSERT INTO "object_{name}" VALUES (?, ?, NULL)',
                            ((i, "1970-01-01 00:00:00") for i in ids))
        con.commit()
    finally:
        con.close()


def xml_text(value: object) -> str:
    """Text safe in XML 1.0: characters XML forbids dropped, markup escaped."""
    from xml.sax.saxutils import escape

    return escape(_XML_BAD.sub("", str(value)), {'"': "&quot;"})


def write_xmlocel(ocel: Ocel, path: Path) -> None:
    """OCEL 2.0 XML."""
    e2o = _grouped(ocel.e2o, "event", ("object", "qualifier"))
    o2o = _grouped(ocel.o2o, "source", ("target", "qualifier"))
    ev = ocel.events
    times = _iso(ev["time"])
    x = xml_text
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<log>\n<object-types>\n')
        for t in OBJECT_TYPES:
            if (ocel.objects["type"] == t).any():
                f.write(f'<object-type name="{x(t)}"><attributes/></object-type>\n')
        f.write("</object-types>\n<event-types>\n")
        attrs = "".join(f'<attribute name="{n}" type="{k}"/>' for n, k in EVENT_ATTRIBUTES)
        for t in pd.unique(ev["type"]):
            f.write(f'<event-type name="{x(t)}"><attributes>{attrs}</attributes></event-type>\n')
        f.write("</event-types>\n<objects>\n")
        for oid, otype in zip(ocel.objects["id"], ocel.objects["type"], strict=True):
            rel = "".join(f'<relationship object-id="{x(t)}" qualifier="{x(q)}"/>' for t, q in o2o.get(oid, []))
            f.write(f'<object id="{x(oid)}" type="{x(otype)}"><attributes/>'
                    f"<objects>{rel}</objects></object>\n")
        f.write("</objects>\n<events>\n")
        for eid, etype, t, values in zip(ev["id"], ev["type"], times, _attr_values(ocel), strict=True):
            a = "".join(f'<attribute name="{n}">{x(v)}</attribute>' for n, _k, v in values)
            rel = "".join(f'<relationship object-id="{x(o)}" qualifier="{x(q)}"/>' for o, q in e2o.get(eid, []))
            f.write(f'<event id="{x(eid)}" type="{x(etype)}" time="{t}"><attributes>{a}</attributes>'
                    f"<objects>{rel}</objects></event>\n")
        f.write("</events>\n</log>\n")
