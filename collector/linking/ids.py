"""Case identifiers in window titles, URLs and element names (tier 1 of linking).

The pattern is a regex with exactly one group, the case id. The default finds the study's
keyed patient tokens (``NHS#xxxxxxxx``, as the agent writes them) and 10-digit NHS numbers
whose mod-11 check digit is valid (spaces removed). Extraction runs once per distinct text,
so a million events with a few thousand distinct titles cost a few thousand regex calls.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from taskloom.errors import UserError

TOKEN_PATTERN = r"(NHS#[0-9a-f]{8})"
NHS_NUMBER_PATTERN = r"(?<!\d)(\d{3} ?\d{3} ?\d{4})(?!\d)"
TEXT_COLUMNS = ("title", "url", "element")


class CasePatternError(UserError, ValueError):
    """A --case-pattern that does not compile or does not have exactly one group."""


def compile_pattern(pattern: str | None) -> re.Pattern[str] | None:
    """The user's case pattern compiled (None: the default patterns); one group required."""
    if pattern is None:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise CasePatternError(f"--case-pattern {pattern!r} is not a valid regex ({exc}); "
                               "fix the pattern") from None
    if compiled.groups != 1:
        raise CasePatternError(f"--case-pattern {pattern!r} has {compiled.groups} groups; it needs exactly "
                               "one group around the case id, e.g. 'MRN (\\d{7})'")
    return compiled


def nhs_valid(digits: pd.Series) -> np.ndarray:
    """True where a 10-digit string has a valid NHS mod-11 check digit (vectorised)."""
    s = digits.fillna("").astype(str)
    ok = s.str.fullmatch(r"\d{10}").to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if not ok.any():
        return out
    d = np.array([list(map(int, x)) for x in s[ok]], dtype=np.int64)
    total = (d[:, :9] * np.arange(10, 1, -1)).sum(axis=1)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    out[ok] = (check != 10) & (check == d[:, 9])
    return out


def _extract(texts: pd.Series, pattern: re.Pattern[str] | None) -> pd.Series:
    """First case id in each text (NA when none)."""
    if pattern is not None:
        return texts.str.extract(pattern, expand=False).astype("string")
    token = texts.str.extract(TOKEN_PATTERN, expand=False).astype("string")
    nhs = texts.str.extract(NHS_NUMBER_PATTERN, expand=False).astype("string").str.replace(" ", "", regex=False)
    nhs = nhs.where(nhs_valid(nhs))
    return token.fillna(nhs)


def event_ids(events: pd.DataFrame, pattern: re.Pattern[str] | None) -> pd.Series:
    """The case id each event shows in its title, URL or element (title first); None when none."""
    found = np.full(len(events), None, dtype=object)
    for col in TEXT_COLUMNS:
        if col not in events.columns:
            continue
        codes, uniques = pd.factorize(events[col], use_na_sentinel=True)
        if len(uniques) == 0:
            continue
        per_unique = _extract(pd.Series(np.asarray(uniques, dtype=object), dtype="string"), pattern) \
            .to_numpy(dtype=object, na_value=None)
        values = np.where(codes >= 0, per_unique[np.maximum(codes, 0)], None)
        empty = pd.isna(found)
        found[empty] = values[empty]
    return pd.Series(found, index=events.index, dtype=object)


def _key(ids: pd.Series) -> pd.Series:
    """The comparison form of case ids: no spaces, hyphens, dots, slashes or underscores; upper case."""
    return ids.astype(str).str.replace(r"[\s\-_./]", "", regex=True).str.upper()


def as_system_cases(shown: pd.Series, cases: pd.Series) -> pd.Series:
    """Ids found on screen written as the system log writes its case ids.

    Screens and exports format the same id differently ("943 476 5919" in the EHR banner,
    "9434765919" in the audit log; "mrn-0012345" against "MRN0012345"). An id that is a
    case id as shown stays; else it becomes the case whose comparison form (``_key``) it
    shares, when exactly one case has that form. Ids of no case stay as shown: they still
    mark another patient on screen.
    """
    known = pd.Series(pd.unique(cases.dropna().astype(str)), dtype=object)
    codes, uniques = pd.factorize(shown, use_na_sentinel=True)
    if len(uniques) == 0 or len(known) == 0:
        return shown
    keys = _key(known)
    single = ~keys.duplicated(keep=False)
    lookup = dict(zip(keys[single], known[single], strict=True))
    exact = set(known)
    values = pd.Series(np.asarray(uniques, dtype=object))
    mapped = np.where(values.isin(exact), values, _key(values).map(lookup).fillna(values)).astype(object)
    out = np.where(codes >= 0, mapped[np.maximum(codes, 0)], None)
    return pd.Series(out, index=shown.index, dtype=object)
