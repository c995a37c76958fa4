"""The IETF RateLimit header fields, the wait in words and the policy settings' format."""

from __future__ import annotations

import pytest

from app.services.rate_limits import RateLimitDecision, RateLimitPolicy, WhenUnavailable
from app.web.rate_limits import limit_field, policy_field, wait_in_words

LOGIN = RateLimitPolicy("login", 5, 300)


def test_the_policy_field_names_the_quota_and_window_as_in_the_draft() -> None:
    assert policy_field([RateLimitDecision(LOGIN, False, 0, 240)]) == '"login";q=5;w=300'


def test_the_limit_field_gives_what_remains_and_when_as_in_the_draft() -> None:
    assert limit_field([RateLimitDecision(LOGIN, False, 0, 240)]) == '"login";r=0;t=240'


def test_several_policies_are_listed_in_the_order_they_were_applied() -> None:
    address = RateLimitPolicy("login-address", 20, 300)
    decisions = [RateLimitDecision(address, True, 19, 300), RateLimitDecision(LOGIN, True, 4, 300)]

    assert policy_field(decisions) == '"login-address";q=20;w=300, "login";q=5;w=300'
    assert limit_field(decisions) == '"login-address";r=19;t=300, "login";r=4;t=300'


@pytest.mark.parametrize(
    ("seconds", "words"), [(0, "1 s"), (1, "1 s"), (59, "59 s"), (60, "1 min"), (61, "2 min"), (240, "4 min")]
)
def test_a_wait_is_said_in_seconds_below_a_minute_and_in_whole_minutes_above(seconds: int, words: str) -> None:
    assert wait_in_words(seconds) == words


def test_a_policy_setting_reads_limit_slash_seconds_and_what_to_do_without_redis() -> None:
    assert RateLimitPolicy.parse("login", "5/300", "Closed") == RateLimitPolicy("login", 5, 300, WhenUnavailable.CLOSED)


@pytest.mark.parametrize(("text", "fallback"), [("5", "open"), ("5/x", "open"), ("0/60", "open"), ("5/60", "shut")])
def test_a_malformed_policy_setting_stops_the_start_with_its_name(text: str, fallback: str) -> None:
    with pytest.raises(ValueError, match="'login'"):
        RateLimitPolicy.parse("login", text, fallback)
