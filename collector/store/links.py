"""The latest merge of a study: task types, task instances, their case links, UI event membership.

``replace_links`` swaps the whole set in one write transaction, so a re-run of
``taskloom merge --study`` replaces the previous one atomically (a failed run leaves the
old set). Reads return DataFrames in the shape ``collector.linking`` uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from taskloom.collector import schema as t
from taskloom.collector.store.audit import write_audit
from taskloom.collector.store.engine import StoreBase
from taskloom.collector.store.studies import study_row

if TYPE_CHECKING:
    import pandas as pd

_CHUNK = 5000
_INSTANCE_COLUMNS = ("instance_id", "type_id", "user", "device", "start_ts", "end_ts", "active_s", "app",
                     "app_switches", "events")
_LINK_COLUMNS = ("instance_id", "case_id", "system_activity", "parent_event", "method", "confidence",
                 "secondary_case")


@dataclass(frozen=True)
class LinkSet:
    """A study's stored merge: counts of what was replaced and what is there now."""

    study_id: int
    task_types: int
    task_instances: int
    linked: int
    events: int


def _records(frame: pd.DataFrame, columns: tuple[str, ...], study_id: int) -> Iterator[list[dict[str, Any]]]:
    """Rows as dicts (NA → None) in chunks."""
    import pandas as pd

    part = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
    for start in range(0, len(part), _CHUNK):
        chunk = part.iloc[start:start + _CHUNK]
        yield [dict(zip(columns, (None if v is pd.NA else v for v in row), strict=True), study_id=study_id)
               for row in chunk.itertuples(index=False, name=None)]


class LinksArea(StoreBase):
    """Stored task instances and links of a study (one merge at a time)."""

    def replace_links(self, study: int | str, labels: Mapping[str, str], instances: pd.DataFrame,
                      links: pd.DataFrame, events: pd.DataFrame, actor: str = "cli") -> LinkSet:
        """Replace the study's task types, instances, links and event membership in one transaction.

        ``instances``: columns of ``_INSTANCE_COLUMNS``; ``links``: ``_LINK_COLUMNS``;
        ``events``: ``event_id``, ``instance_id``.
        """
        tables = (t.task_events, t.task_links, t.task_instances, t.task_types)
        with self._write() as conn:
            study_id = int(study_row(conn, study).id)
            for table in tables:
                conn.execute(table.delete().where(table.c.study_id == study_id))
            if labels:
                conn.execute(t.task_types.insert(), [{"study_id": study_id, "type_id": k, "label": v}
                                                     for k, v in labels.items()])
            for rows in _records(instances, _INSTANCE_COLUMNS, study_id):
                conn.execute(t.task_instances.insert(), rows)
            for rows in _records(links, _LINK_COLUMNS, study_id):
                conn.execute(t.task_links.insert(), rows)
            for rows in _records(events, ("event_id", "instance_id"), study_id):
                conn.execute(t.task_events.insert(), rows)
            linked = int((links["method"] != "none").sum())
            write_audit(conn, actor, "links.replace", "study", study_id, task_instances=len(instances),
                        linked=linked)
        return LinkSet(study_id, len(labels), len(instances), linked, len(events))

    def _frame(self, conn: sa.Connection, table: sa.Table, study_id: int, columns: Iterable[str]) -> pd.DataFrame:
        import pandas as pd

        cols = list(columns)
        rows = conn.execute(sa.select(*[table.c[c] for c in cols]).where(table.c.study_id == study_id)
                            .order_by(*[table.c[k.name] for k in table.primary_key.columns])).all()
        return pd.DataFrame(rows, columns=cols)

    def links_frames(self, study: int | str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]] | None:
        """(task instances, task links, type labels) of the study's stored merge; None when none."""
        with self._read() as conn:
            study_id = int(study_row(conn, study).id)
            instances = self._frame(conn, t.task_instances, study_id, _INSTANCE_COLUMNS)
            if instances.empty:
                return None
            links = self._frame(conn, t.task_links, study_id, _LINK_COLUMNS)
            types = self._frame(conn, t.task_types, study_id, ("type_id", "label"))
        return instances, links, dict(zip(types["type_id"], types["label"], strict=True))

    def task_events_frame(self, study: int | str) -> pd.DataFrame:
        """``event_id``, ``instance_id`` of every stored UI event in a task instance of the study."""
        with self._read() as conn:
            study_id = int(study_row(conn, study).id)
            return self._frame(conn, t.task_events, study_id, ("event_id", "instance_id"))
