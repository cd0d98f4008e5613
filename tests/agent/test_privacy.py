"""Redaction, keyed tokens, URL reduction, app lists and pseudonyms (agent/privacy.py)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from taskloom.agent.privacy import (
    FULL_MASK,
    OTHER_APP,
    Redactor,
    app_allowed,
    nhs_check_ok,
    pseudonym,
    url_for_policy,
)
from taskloom.agent.protocol import keyed_token
from tests.agent.factories import FAKE_NHS, STUDY_KEY, make_policy


def _spec_check_digit(nine: str) -> int | None:
    """The NHS Data Dictionary's algorithm, written out independently as the oracle."""
    weights = [10, 9, 8, 7, 6, 5, 4, 3, 2]
    remainder = sum(int(d) * w for d, w in zip(nine, weights, strict=True)) % 11
    check = 11 - remainder
    return {11: 0, 10: None}.get(check, check)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9))
def test_nhs_check_matches_the_spec(nine: str, last: int) -> None:
    expected = _spec_check_digit(nine) == last
    assert nhs_check_ok(nine + str(last)) is expected


def test_valid_nhs_number_becomes_the_keyed_token_with_or_without_spaces() -> None:
    redact = Redactor(make_policy(), STUDY_KEY)
    token = keyed_token(STUDY_KEY, "9434765919", prefix="NHS")
    assert re.fullmatch(r"NHS#[0-9a-f]{8}", token)
    assert redact(f"Chart {FAKE_NHS} - EHR") == f"Chart {token} - EHR"
    assert redact("Chart 9434765919") == f"Chart {token}"
    assert redact("Chart 943-476-5919") == f"Chart {token}"


def test_invalid_check_digit_is_not_an_nhs_number() -> None:
    redact = Redactor(make_policy(), STUDY_KEY)
    assert redact("Order 9434765918 ready") == "Order 9434765918 ready"


def test_nhs_number_is_masked_when_the_study_does_not_correlate_on_it() -> None:
    redact = Redactor(make_policy(correlate_identifiers=[]), STUDY_KEY)
    assert redact(f"Patient {FAKE_NHS}") == "Patient [NHS]"


def test_nhs_number_is_masked_without_a_study_key() -> None:
    assert Redactor(make_policy(), None)(f"Patient {FAKE_NHS}") == "Patient [NHS]"


def test_emails_phones_and_dates_of_birth_are_masked() -> None:
    redact = Redactor(make_policy(), STUDY_KEY)
    text = ("Mail jane.doe@nhs.net re: call 020 7946 0958 or +44 7700 900123, "
            "DOB: 01/02/1980, born 3 March 1975, seen 2026-11-23")
    out = redact(text)
    assert out is not None
    for secret in ("jane.doe", "7946", "900123", "1980", "1975", "2026-11-23"):
        assert secret not in out
    assert out.count("[EMAIL]") == 1 and out.count("[PHONE]") == 2 and out.count("[DATE]") == 3


def test_policy_patterns_mask_and_correlate() -> None:
    policy = make_policy(redaction_patterns=[r"MRN\d{6}", {"pattern": r"CASE-\d+", "name": "case_id"}],
                         correlate_identifiers=["nhs_number", "case_id"])
    redact = Redactor(policy, STUDY_KEY)
    assert redact("MRN123456 CASE-42") == f"[REDACTED] {keyed_token(STUDY_KEY, 'CASE-42', prefix='CASE_ID')}"


def test_invalid_policy_pattern_fails_closed() -> None:
    redact = Redactor(make_policy(redaction_patterns=["(unclosed"]), STUDY_KEY)
    assert redact("Anything at all") == FULL_MASK


def test_url_is_reduced_to_the_domain_unless_paths_are_allowed() -> None:
    url = "https://user:pw@ehr.example.nhs.uk:8443/patients/9434765919?q=secret#frag"
    assert url_for_policy(url, keep_path=False) == "ehr.example.nhs.uk:8443"
    assert url_for_policy(url, keep_path=True) == "https://ehr.example.nhs.uk:8443/patients/9434765919"
    assert url_for_policy("not a url", keep_path=False) is None


def test_app_lists() -> None:
    policy = make_policy(apps_deny=["KeePassXC"], apps_allow=[])
    assert not app_allowed("keepassxc", None, policy)
    assert app_allowed("firefox", None, policy)
    allow = make_policy(apps_allow=["EHR.exe"])
    assert app_allowed("ehr", None, allow)
    assert app_allowed(None, "Ehr", allow)
    assert not app_allowed("firefox", "Firefox", allow)
    assert OTHER_APP == "other"


def test_user_pseudonym_is_the_keyed_token_of_the_os_user() -> None:
    assert pseudonym(STUDY_KEY, "alice") == keyed_token(STUDY_KEY, "alice", prefix="U")
    assert pseudonym(STUDY_KEY, "alice") != pseudonym(STUDY_KEY, "bob")


def test_study_hours() -> None:
    from datetime import datetime

    from taskloom.agent.state import in_study_hours

    policy = make_policy(study_hours={"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"})
    assert in_study_hours(policy, datetime(2026, 11, 23, 9, 30))       # a Monday morning
    assert not in_study_hours(policy, datetime(2026, 11, 23, 19, 0))   # end is exclusive
    assert not in_study_hours(policy, datetime(2026, 11, 22, 9, 30))   # Sunday
    night = make_policy(study_hours={"start": "22:00", "end": "06:00"})
    assert in_study_hours(night, datetime(2026, 11, 23, 23, 0))
    assert not in_study_hours(night, datetime(2026, 11, 23, 12, 0))
    assert in_study_hours(make_policy(), datetime(2026, 11, 22, 3, 0))  # no hours: always
