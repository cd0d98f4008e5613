"""System-log import, the pure part: column options, preview rows and store rows.

Case ids can be hashed with the study key (agent.protocol.keyed_token, the function the
agent uses on identifiers), so imported cases link to the tokens in UI events without
the identifier being stored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from taskloom.agent.protocol import keyed_token
from taskloom.collector.store.rows import SystemEvent
from taskloom.mining import columns as mc

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.mining.io import CsvMapping

#: CSV column options the import accepts (the names of mining.io.CsvMapping's fields).
MAPPING_FIELDS = ("case", "activity", "timestamp", "start_timestamp", "resource",
                  "timestamp_format", "timezone", "sep")


def given_options(options: Mapping[str, str | None]) -> dict[str, str]:
    """The mapping options actually given (known names, non-empty values)."""
    return {k: v for k, v in options.items() if k in MAPPING_FIELDS and v not in (None, "")}


def csv_mapping(options: Mapping[str, str | None]) -> CsvMapping:
    """A mining.io.CsvMapping from the given options (missing ones use its defaults)."""
    from taskloom.mining.io import CsvMapping

    given = given_options(options)
    if given.get("sep") in ("\\t", "tab", "TAB"):
        given["sep"] = "\t"
    return CsvMapping(**given)


def preview_rows(log: pd.DataFrame, limit: int = 20) -> list[dict[str, Any]]:
    """The first rows as JSON-safe dicts (timestamps as ISO 8601, missing as null)."""
    head = log.head(limit)
    out = []
    for record in head.to_dict(orient="records"):
        out.append({str(k): _json_value(v) for k, v in record.items()})
    return out


def _json_value(value: Any) -> Any:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, str | int | float | bool) else str(value)


def _ms(series: pd.Series) -> list[int | None]:
    """Epoch milliseconds per value (None for missing), whatever the datetime unit."""
    import pandas as pd

    ts = pd.to_datetime(series, utc=True)
    missing = ts.isna().to_numpy()
    values = ts.dt.as_unit("ms").astype("int64").to_numpy()
    return [None if m else int(v) for v, m in zip(values, missing, strict=True)]


def to_rows(log: pd.DataFrame, study_key: str | None = None,
            case_prefix: str = "") -> list[SystemEvent]:
    """Store rows for the system_events table; case ids hashed when ``study_key`` is given."""
    cases = log[mc.CASE].astype(str)
    if study_key is not None:
        uniques = cases.unique()
        table = {c: keyed_token(study_key, c, prefix=case_prefix) for c in uniques}
        cases = cases.map(table)
    ts = _ms(log[mc.TIMESTAMP])
    start = _ms(log[mc.START_TIMESTAMP]) if mc.START_TIMESTAMP in log else [None] * len(log)
    resource = (log[mc.RESOURCE].astype(object).where(log[mc.RESOURCE].notna(), None)
                if mc.RESOURCE in log else [None] * len(log))
    standard = {mc.CASE, mc.ACTIVITY, mc.TIMESTAMP, mc.START_TIMESTAMP, mc.RESOURCE}
    extra = [c for c in log.columns if c not in standard]
    attrs = (preview_rows(log[extra], limit=len(log)) if extra else [{}] * len(log))
    activities = log[mc.ACTIVITY].astype(str)
    return [
        SystemEvent(c, a, t, s, None if r is None else str(r), at)
        for c, a, t, s, r, at in zip(cases, activities, ts, start, resource, attrs, strict=True)
    ]
