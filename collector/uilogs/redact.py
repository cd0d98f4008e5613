"""Redaction on import: content fields are blanked, structure (names, ids, apps) is kept."""

from __future__ import annotations

import pandas as pd

REDACTED = "[redacted]"


def redact(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Replace every non-empty value of ``columns`` with a marker; never keeps the content."""
    out = df.copy()
    for name in columns:
        if name in out.columns:
            col = out[name].astype("string")
            out[name] = col.where(col.isna() | col.eq(""), REDACTED)
    return out
