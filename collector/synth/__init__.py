"""Synthetic studies with ground truth: the EHR documentation study and research-style UI logs.

``generate_study`` streams the UI events to disk a day at a time (bounded memory), then
writes the EHR system log (CSV and XES, XES column names), the clinic schedule, the visit
list and the true active time (``synth.schedule``). Deterministic for a seed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.collector.synth.ehr import EhrGenerator, Study
from taskloom.collector.synth.hard import HardSettings, ehr_user_id, hard_tags, skew_chunk
from taskloom.collector.synth.schedule import ClinicPlan
from taskloom.collector.synth.sink import TRUTH_COLUMNS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneratedStudy:
    """Where the files went and how many UI events and cases were written."""

    ui_events: Path
    system_csv: Path
    system_xes: Path
    events: int
    cases: int
    schedule: Path | None = None
    visits: Path | None = None
    truth: Path | None = None
    truth_weeks: Path | None = None
    user_map: Path | None = None  # hard settings: desktop user → EHR user id (user,resource)


def generate_study(study: Study, out_dir: Path, fmt: str = "csv",
                   max_events: int | None = None) -> GeneratedStudy:
    """Write ui_events.{csv,parquet}, system_log.csv and system_log.xes under ``out_dir``.

    ``max_events`` stops after the day that reaches it (for "about N events" runs).
    """
    from taskloom.mining.io import write_log

    out_dir.mkdir(parents=True, exist_ok=True)
    ui_path = out_dir / f"ui_events.{fmt}"
    gen = EhrGenerator(study)
    gen.plan = ClinicPlan([c.user for c in gen.clinicians], [c.device for c in gen.clinicians],
                          study.seed, study.study_key, cases=gen.cases)
    total = 0
    writer = None
    hard = study.hard
    skew_rng = np.random.default_rng([study.seed, 31])
    try:
        for chunk in gen.days():
            if hard is not None:
                chunk = _harden(chunk, gen, hard, skew_rng)
            if fmt == "parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(chunk, preserve_index=False, schema=_schema(chunk))
                if writer is None:
                    writer = pq.ParquetWriter(ui_path, table.schema)
                writer.write_table(table)
            else:
                chunk.to_csv(ui_path, mode="a" if total else "w", header=not total, index=False)
            total += len(chunk)
            log.info("generated %d UI events so far", total)
            if max_events is not None and total >= max_events:
                break
    finally:
        if writer is not None:
            writer.close()
    system = gen.plan.order_authors(gen.system_log())
    map_path = None
    if hard is not None and hard.ehr_user_ids:
        users = [c.user for c in gen.clinicians]
        mapping = pd.DataFrame({"user": users, "resource": [ehr_user_id(study.study_key, u) for u in users]})
        map_path = out_dir / "user_map.csv"
        mapping.to_csv(map_path, index=False)
        system["org:resource"] = system["org:resource"].replace(dict(zip(mapping["user"], mapping["resource"],
                                                                         strict=True)))
    csv_path, xes_path = out_dir / "system_log.csv", out_dir / "system_log.xes"
    write_log(system, csv_path)
    write_log(system, xes_path)
    plan = gen.plan.write(out_dir)
    return GeneratedStudy(ui_path, csv_path, xes_path, total, system["case:concept:name"].nunique(),
                          plan["schedule"], plan["visits"], plan["ehr_truth"], plan["ehr_truth_weeks"],
                          map_path)


def _harden(chunk: pd.DataFrame, gen: EhrGenerator, hard: HardSettings,
            rng: np.random.Generator) -> pd.DataFrame:
    """A day's chunk with the hard settings: truth tags, then each workstation's clock error."""
    tagged = chunk.assign(truth_hard=hard_tags(chunk, gen.hidden))
    limit = int(hard.max_skew_s * 1000)
    offsets = {c.device: int(rng.integers(-limit, limit + 1)) for c in gen.clinicians}
    return skew_chunk(tagged, offsets)


def _schema(chunk: pd.DataFrame) -> object:
    import pyarrow as pa

    fields = []
    for name in chunk.columns:
        if name in ("seq", "x", "y", "truth_skew_ms"):
            fields.append(pa.field(name, pa.int64()))
        else:
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields)


__all__ = ["TRUTH_COLUMNS", "GeneratedStudy", "HardSettings", "Study", "generate_study"]
