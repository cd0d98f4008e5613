"""The screen-category map: app and window-title/URL patterns → one of eight categories.

A map is YAML or JSON::

    ehr_apps: ["(?i)^careflowepr\\.exe$"]        # the EHR vendor's own application(s)
    rules:                                         # first match wins
      - {category: note documentation, app: "(?i)^careflowepr\\.exe$", title: "^Progress note "}
      - {category: prescriptions, url: "(?i)bnf\\.nice\\.org\\.uk"}

A rule matches when every pattern it gives is found (``re.search``) in the event's app,
title and URL. A screen of an EHR app that no rule matches is ``other EHR`` and is
reported as unmapped (never silently lumped); any other unmatched screen is ``non-EHR``.
Rules may put work in other applications (a letter in Word, a drug reference in the
browser) into an EHR category: that is the EHR time only a desktop agent sees.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taskloom.collector.metrics.errors import MetricsInputError

NOTE, INBOX, ORDERS, RX, CHART, RESULTS, OTHER_EHR, NON_EHR = (
    "note documentation", "inbox", "orders", "prescriptions", "chart review", "results",
    "other EHR", "non-EHR")
CATEGORIES: tuple[str, ...] = (NOTE, INBOX, ORDERS, RX, CHART, RESULTS, OTHER_EHR, NON_EHR)
CATEGORY_CODE = {name: i for i, name in enumerate(CATEGORIES)}
NON_EHR_CODE = CATEGORY_CODE[NON_EHR]
_FIELDS = ("app", "title", "url")
# Identifiers masked out of unmapped-screen labels: keyed tokens (NHS#3f9a…, U#…) and digits.
_TOKEN = re.compile(r"\b[A-Za-z]+#[0-9a-f]{4,}\b")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Rule:
    """One line of the map: a category and the patterns an event must match."""

    category: str
    app: re.Pattern[str] | None
    title: re.Pattern[str] | None
    url: re.Pattern[str] | None

    def matches(self, app: str, title: str, url: str) -> bool:
        return all(p is None or p.search(v) is not None
                   for p, v in ((self.app, app), (self.title, title), (self.url, url)))


@dataclass(frozen=True)
class Screen:
    """What the map says of one (app, title, url): category code, EHR-vendor app, unmapped."""

    code: int
    vendor: bool
    unmapped: bool


class CategoryMap:
    """A compiled category map with a per-screen cache (screens repeat millions of times)."""

    def __init__(self, ehr_apps: Sequence[re.Pattern[str]], rules: Sequence[Rule], source: str) -> None:
        self.ehr_apps = tuple(ehr_apps)
        self.rules = tuple(rules)
        self.source = source
        self._cache: dict[tuple[str, str, str], Screen] = {}

    def screen(self, app: str | None, title: str | None, url: str | None) -> Screen:
        key = (app or "", title or "", url or "")
        hit = self._cache.get(key)
        if hit is None:
            hit = self._classify(*key)
            self._cache[key] = hit
        return hit

    def _classify(self, app: str, title: str, url: str) -> Screen:
        vendor = bool(app) and any(p.search(app) for p in self.ehr_apps)
        for rule in self.rules:
            if rule.matches(app, title, url):
                return Screen(CATEGORY_CODE[rule.category], vendor, False)
        if vendor:
            return Screen(CATEGORY_CODE[OTHER_EHR], True, True)
        return Screen(NON_EHR_CODE, False, False)


def screen_label(app: str | None, title: str | None) -> str:
    """A screen's name for reports, with identifiers masked (no patient token leaves)."""
    text = _DIGITS.sub("9", _TOKEN.sub("#…", title or ""))
    return f"{app or '?'} | {text}"


def _compile(pattern: Any, where: str, source: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise MetricsInputError(f"{source}: {where} must be a regular expression string, "
                                f"not {type(pattern).__name__}; quote the pattern")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise MetricsInputError(f"{source}: {where} {pattern!r} is not a valid regular expression "
                                f"({exc}); fix the pattern (escape literal characters with \\)") from None


def category_map(data: Any, source: str) -> CategoryMap:
    """Validate a parsed map (dict from YAML/JSON); errors name the file, the rule and the fix."""
    if not isinstance(data, Mapping):
        raise MetricsInputError(f"{source}: a category map is a mapping with 'ehr_apps' and 'rules'; "
                                "see docs/ehr-metrics.md for an example")
    unknown = sorted(set(data) - {"ehr_apps", "rules", "version"})
    if unknown:
        raise MetricsInputError(f"{source}: unknown key(s) {', '.join(unknown)}; use ehr_apps and rules")
    apps = data.get("ehr_apps") or []
    if isinstance(apps, str):
        apps = [apps]
    ehr_apps = [_compile(p, f"ehr_apps[{i}]", source) for i, p in enumerate(apps, 1)]
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise MetricsInputError(f"{source}: 'rules' must be a non-empty list of "
                                "{category, app/title/url patterns}")
    rules = []
    for i, r in enumerate(raw_rules, 1):
        where = f"rule {i}"
        if not isinstance(r, Mapping):
            raise MetricsInputError(f"{source}: {where} must be a mapping like "
                                    "{category: orders, title: '^Order entry'}")
        cat = r.get("category")
        if cat not in CATEGORY_CODE:
            raise MetricsInputError(f"{source}: {where} has category {cat!r}; use one of "
                                    f"{', '.join(CATEGORIES)}")
        extra = sorted(set(r) - {"category", *_FIELDS})
        if extra:
            raise MetricsInputError(f"{source}: {where} has unknown key(s) {', '.join(extra)}; "
                                    "use app, title and url")
        if not any(r.get(f) is not None for f in _FIELDS):
            raise MetricsInputError(f"{source}: {where} gives no pattern; add app, title or url")
        pats = {f: None if r.get(f) is None else _compile(r[f], f"{where} {f}", source) for f in _FIELDS}
        rules.append(Rule(str(cat), pats["app"], pats["title"], pats["url"]))
    return CategoryMap(ehr_apps, rules, source)


def parse_category_map(text: str, source: str) -> CategoryMap:
    """A map from YAML or JSON text (by content: JSON first, else YAML)."""
    try:
        data = json.loads(text)
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark is not None else ""
            raise MetricsInputError(f"{source}:{line} is neither valid JSON nor YAML "
                                    f"({getattr(exc, 'problem', exc)}); fix the syntax") from None
    return category_map(data, source)


_EPR = r"(?i)^careflowepr\.exe$"
#: The default map for the demo EHR (CareFlow EPR, `taskloom generate`): titles are
#: "<screen> · <patient> · CareFlow EPR".
DEFAULT_MAP_DATA: dict[str, Any] = {
    "ehr_apps": [_EPR],
    "rules": [
        {"category": NOTE, "app": _EPR, "title": r"^(Progress note|Unsigned notes) · "},
        {"category": NOTE, "app": r"(?i)^winword\.exe$", "title": r"^Discharge letter "},
        {"category": INBOX, "app": _EPR, "title": r"^In Basket\b"},
        {"category": ORDERS, "app": _EPR, "title": r"^Order entry · "},
        {"category": RX, "app": _EPR, "title": r"^Prescribing · "},
        {"category": RX, "url": r"(?i)(^|\.)bnf\.nice\.org\.uk"},
        {"category": CHART, "app": _EPR, "title": r"^Patient summary · "},
        {"category": RESULTS, "app": _EPR, "title": r"^Results viewer · "},
        {"category": OTHER_EHR, "app": _EPR,
         "title": r"^(Referral|Appointment book|Correspondence|Clinic list) · "},
    ],
}


def default_map() -> CategoryMap:
    return category_map(DEFAULT_MAP_DATA, "the default map (demo EHR)")
