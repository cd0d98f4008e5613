"""Text that XML 1.0 can carry: characters it forbids become U+FFFD.

XML 1.0 allows TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and U+10000 up; everything
else (the other C0 controls such as ESC, VT and FF; lone surrogates; U+FFFE and U+FFFF)
makes the document unreadable to every conforming parser, lxml included, and cannot be
written as a character reference either. Every XML writer (XES, OCEL, PNML, BPMN) passes
text through ``xml_safe`` (one string) or ``xml_safe_series`` (a column, vectorised).
"""

from __future__ import annotations

import re

import pandas as pd

#: One character XML 1.0 forbids (lone surrogates included).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: The same for text that is valid UTF-8 (Arrow strings cannot hold lone surrogates).
FORBIDDEN_UTF8 = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
REPLACEMENT = "\ufffd"


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD."""
    return FORBIDDEN.sub(REPLACEMENT, text)


def xml_safe_series(values: pd.Series) -> pd.Series:
    """A text column with every character XML 1.0 forbids replaced by U+FFFD (NA kept)."""
    try:
        s = values.astype("str")
    except UnicodeEncodeError:  # lone surrogates in Python strings: replace them first
        s = values.map(lambda v: xml_safe(v) if isinstance(v, str) else v).astype("str")
    if s.str.contains(FORBIDDEN_UTF8, regex=True, na=False).any():
        s = s.str.replace(FORBIDDEN_UTF8, REPLACEMENT, regex=True)
    return s
