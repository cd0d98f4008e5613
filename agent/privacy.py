"""Privacy rules applied on the device before anything touches disk.

Pure functions over strings and the policy: redaction of titles/URLs/elements (built-in
identifier patterns plus the policy's own), keyed tokens for identifiers the study
correlates on, URL reduction to the domain, app allow/deny decisions and the user
pseudonym. Nothing here logs the text it is given.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from taskloom.agent.protocol import keyed_token

log = logging.getLogger(__name__)

#: The app name recorded for a denied (or not allow-listed) application.
OTHER_APP = "other"
#: Replaces a whole text when the policy's own patterns cannot be trusted (fail closed).
FULL_MASK = "[redacted]"

# 10 digits, optionally grouped 3-3-4 by spaces or hyphens, not inside a longer number.
_NHS_RE = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# UK numbers: +44 or 0 then 9-10 more digits, spaces/hyphens/brackets allowed between.
_UK_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+44[\s-]?(?:\(0\)[\s-]?)?|\(?0)(?:\d[\s\-()]{0,2}){8,9}\d(?![\d])"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Any full calendar date (day, month and four-digit year), with an optional "DOB"/"born"
# label: a window title cannot tell a date of birth from another date, so all go.
_DOB_RE = re.compile(
    r"(?:\b(?:d\.?o\.?b\.?|date of birth|born)\s*[:.]?\s*)?"
    r"(?:\b\d{1,2}[/.\- ](?:\d{1,2}|" + _MONTHS + r")[/.\- ,]+(?:19|20)\d{2}\b"
    r"|\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b"
    r"|\b(?:" + _MONTHS + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b)",
    re.IGNORECASE,
)


def nhs_check_ok(digits: str) -> bool:
    """True when a 10-digit string has a valid NHS number mod-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


@dataclass(frozen=True, slots=True)
class Rule:
    """One redaction rule: a pattern, its name, and how matches are replaced."""

    name: str
    pattern: re.Pattern[str]
    mask: str
    token_prefix: str | None = None  # set when the study correlates on this identifier
    accept: Callable[[re.Match[str]], bool] | None = None  # extra check (NHS mod-11)


def _nhs_accept(match: re.Match[str]) -> bool:
    return nhs_check_ok("".join(match.groups()))


_BUILTINS: tuple[tuple[str, re.Pattern[str], str, str, Callable[[re.Match[str]], bool] | None], ...] = (
    ("nhs_number", _NHS_RE, "[NHS]", "NHS", _nhs_accept),
    ("email", _EMAIL_RE, "[EMAIL]", "EMAIL", None),
    ("uk_phone", _UK_PHONE_RE, "[PHONE]", "PHONE", None),
    ("dob", _DOB_RE, "[DATE]", "DOB", None),
)


class Redactor:
    """Applies the built-in and policy redaction rules to free text (titles, URLs, elements).

    Identifiers named in the policy's ``correlate_identifiers`` become keyed tokens
    (``NHS#3f9a1c2e``) when a study key is known; without a key they are masked, never kept.
    If a policy pattern does not compile, every text is replaced whole (fail closed).
    """

    def __init__(self, policy: Mapping[str, Any], study_key: bytes | str | None) -> None:
        self._key = study_key
        correlate = {str(n) for n in policy.get("correlate_identifiers") or []}
        rules: list[Rule] = []
        for name, pattern, mask, prefix, accept in _BUILTINS:
            token = prefix if (name in correlate and study_key) else None
            rules.append(Rule(name, pattern, mask, token, accept))
        self._fail_closed = False
        for index, spec in enumerate(policy.get("redaction_patterns") or []):
            try:
                rules.append(_policy_rule(index, spec, correlate, bool(study_key)))
            except (re.error, TypeError, ValueError) as exc:
                # The pattern text may itself be sensitive: log its position, not its text.
                log.warning("policy redaction pattern #%d is invalid (%s); masking all text",
                            index, type(exc).__name__)
                self._fail_closed = True
        self._rules = tuple(rules)

    def __call__(self, text: str | None) -> str | None:
        if text is None or text == "":
            return text
        if self._fail_closed:
            return FULL_MASK
        for rule in self._rules:
            text = rule.pattern.sub(lambda m, r=rule: self._replace(r, m), text)  # type: ignore[misc]
        return text

    def _replace(self, rule: Rule, match: re.Match[str]) -> str:
        if rule.accept is not None and not rule.accept(match):
            return match.group(0)
        if rule.token_prefix and self._key:
            value = "".join(match.groups()) if rule.name == "nhs_number" else match.group(0)
            return keyed_token(self._key, value, prefix=rule.token_prefix)
        return rule.mask


def _policy_rule(index: int, spec: Any, correlate: set[str], have_key: bool) -> Rule:
    """A Rule from one policy entry: a regex string, or {"pattern", "name"?, "mask"?}."""
    if isinstance(spec, str):
        return Rule(f"policy{index}", re.compile(spec), "[REDACTED]")
    if isinstance(spec, Mapping) and isinstance(spec.get("pattern"), str):
        name = str(spec.get("name") or f"policy{index}")
        prefix = name.upper().replace("_NUMBER", "")[:12] if (name in correlate and have_key) else None
        return Rule(name, re.compile(spec["pattern"]), str(spec.get("mask") or "[REDACTED]"), prefix)
    raise TypeError("a redaction pattern is a regex string or an object with 'pattern'")


_HOST_RE = re.compile(r"[a-z0-9._\-\[\]:]+")


def url_for_policy(url: str | None, keep_path: bool) -> str | None:
    """The URL as the policy allows: scheme and host only unless paths are allowed.

    Query strings and fragments (where identifiers and session tokens live) are always
    dropped; user names and passwords in the authority too.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host or not _HOST_RE.fullmatch(host):
        return None
    netloc = host if port is None else f"{host}:{port}"
    if keep_path:
        return f"{parts.scheme}://{netloc}{parts.path}"
    return netloc


def _norm_app(name: str) -> str:
    name = name.strip().lower()
    return name[:-4] if name.endswith(".exe") else name


def app_allowed(app: str | None, wm_class: str | None, policy: Mapping[str, Any]) -> bool:
    """Whether an app may be captured: not on the deny list and, if there is an allow list, on it.

    Names match the process name or the X11 WM_CLASS, case-insensitively, ``.exe`` ignored.
    An unknown app is allowed only when there is no allow list.
    """
    names = {_norm_app(n) for n in (app, wm_class) if n}
    deny = {_norm_app(str(n)) for n in policy.get("apps_deny") or []}
    allow = {_norm_app(str(n)) for n in policy.get("apps_allow") or []}
    if names & deny:
        return False
    if allow:
        return bool(names & allow)
    return True


def app_in(app: str | None, wm_class: str | None, names: Iterable[str]) -> bool:
    """Whether the app (process name or WM_CLASS) is one of ``names``."""
    wanted = {_norm_app(str(n)) for n in names}
    return bool({_norm_app(n) for n in (app, wm_class) if n} & wanted)


def pseudonym(key: bytes | str, os_user: str) -> str:
    """The user's pseudonym: a keyed hash of the OS user name (``U#…``)."""
    return keyed_token(key, os_user, prefix="U")
