"""The one duration grammar (taskloom.durations), used by `taskloom device token --expires`
and `taskloom-agent pause --for`."""

from __future__ import annotations

import pytest

from taskloom.durations import DurationError, parse_duration
from taskloom.errors import UserError


def test_parse_duration() -> None:
    assert parse_duration("7d") == 7 * 86400
    assert parse_duration("90m") == 5400
    assert parse_duration("3600") == 3600
    with pytest.raises(Exception, match="not understood"):
        parse_duration("soon")


@pytest.mark.parametrize(("text", "seconds"), [
    ("30m", 1800), ("2h", 7200), ("90s", 90), ("1h30m", 5400), ("12h", 43200),
    ("2w", 14 * 86400), ("1d12h", 129600), ("1d 12h", 129600), ("1.5h", 5400),
    ("1H30M", 5400), (" 45s ", 45), ("1w2d3h4m5s", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5),
])
def test_both_former_grammars_are_one(text: str, seconds: int) -> None:
    """The agent's "1h30m" and the store's "7d" forms, and their combinations."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "h", "1m1h", "-5", "1x", "5 minutes", "0", "0s"])
def test_bad_duration_is_a_user_error_naming_the_forms(text: str) -> None:
    with pytest.raises(DurationError) as err:
        parse_duration(text)
    assert isinstance(err.value, UserError) and isinstance(err.value, ValueError)
    assert "1h30m" in str(err.value) and "7d" in str(err.value)
