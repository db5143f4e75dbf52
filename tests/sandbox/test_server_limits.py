"""HubSpot's request limits as the sandbox enforces them, over real HTTP and with a movable clock."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from leadboard.sandbox.limits import RateLimits, RequestBudgets
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.sandbox.server_support import FakeClock, call, make_client, small_settings

TIGHT = RateLimits(burst_max=4, burst_window=10.0, search_max=2, search_window=1.0, daily_max=1_000)
SEARCH = {"filterGroups": [], "limit": 5}
RATE_HEADERS = (
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited(clock: FakeClock) -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(clock=clock), rate_limits=TIGHT) as handle:
        yield handle


def test_non_search_responses_carry_hubspots_rate_limit_headers(limited: SandboxHandle) -> None:
    remaining = []
    for _ in range(3):
        reply = call(limited, "GET", "/crm/v3/owners")
        assert reply.status == 200
        assert all(name in reply.headers for name in RATE_HEADERS)
        assert reply.headers["X-HubSpot-RateLimit-Max"] == "4"
        assert reply.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert reply.headers["X-HubSpot-RateLimit-Daily"] == "1000"
        remaining.append(int(reply.headers["X-HubSpot-RateLimit-Remaining"]))
    assert remaining == [3, 2, 1]


def test_burst_over_the_limit_gets_hubspots_429_and_recovers_after_the_window(
    limited: SandboxHandle, clock: FakeClock
) -> None:
    for _ in range(4):
        assert call(limited, "GET", "/crm/v3/owners").status == 200
    refused = call(limited, "GET", "/crm/v3/objects/leads")
    assert refused.status == 429
    body = refused.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["status"] == "error" and body["correlationId"]
    assert refused.headers["Retry-After"] == "10"
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"

    clock.advance(4.0)
    assert call(limited, "GET", "/crm/v3/owners").status == 429
    assert call(limited, "GET", "/crm/v3/owners").headers["Retry-After"] == "6"
    clock.advance(6.0)
    assert call(limited, "GET", "/crm/v3/owners").status == 200


def test_search_has_its_own_per_second_limit_and_no_rate_limit_headers(
    limited: SandboxHandle, clock: FakeClock
) -> None:
    for _ in range(2):
        reply = call(limited, "POST", "/crm/v3/objects/leads/search", body=SEARCH)
        assert reply.status == 200
        assert not any(name in reply.headers for name in RATE_HEADERS)
    refused = call(limited, "POST", "/crm/v3/objects/leads/search", body=SEARCH)
    assert refused.status == 429
    assert refused.json()["policyName"] == "SECONDLY"
    assert refused.json()["message"] == "You have reached your secondly limit."
    assert refused.headers["Retry-After"] == "1"
    assert not any(name in refused.headers for name in RATE_HEADERS)
    # Searching spent none of the ten-second budget.
    assert call(limited, "GET", "/crm/v3/owners").headers["X-HubSpot-RateLimit-Remaining"] == "3"
    clock.advance(1.0)
    assert call(limited, "POST", "/crm/v3/objects/leads/search", body=SEARCH).status == 200


def test_limits_are_per_token(limited: SandboxHandle) -> None:
    limited.add_token("pat-other")
    for _ in range(4):
        call(limited, "GET", "/crm/v3/owners")
    assert call(limited, "GET", "/crm/v3/owners").status == 429
    assert call(limited, "GET", "/crm/v3/owners", token="pat-other").status == 200


def test_the_client_sees_a_429_as_an_api_exception_with_retry_after(limited: SandboxHandle) -> None:
    client = make_client(limited)
    leads = client.crm.objects.leads.basic_api
    for _ in range(4):
        leads.get_page(limit=1)
    with pytest.raises(Exception) as raised:
        leads.get_page(limit=1)
    error = raised.value
    assert getattr(error, "status", None) == 429
    assert error.headers["Retry-After"] == "10"  # type: ignore[attr-defined]
    assert json.loads(error.body)["policyName"] == "TEN_SECONDLY_ROLLING"  # type: ignore[attr-defined]


def test_switching_limits_off_and_on(limited: SandboxHandle) -> None:
    limited.set_rate_limits(False)
    for _ in range(10):
        reply = call(limited, "GET", "/crm/v3/owners")
        assert reply.status == 200
        assert "X-HubSpot-RateLimit-Remaining" not in reply.headers
    limited.set_rate_limits(True)
    replies = [call(limited, "GET", "/crm/v3/owners").status for _ in range(5)]
    assert replies == [200, 200, 200, 200, 429]


def test_limits_off_from_the_start_never_refuse() -> None:
    with running_sandbox(small_settings(), rate_limits=False) as handle:
        statuses = {
            call(handle, "POST", "/crm/v3/objects/leads/search", body=SEARCH).status for _ in range(12)
        }
    assert statuses == {200}


def test_refused_requests_do_not_spend_budget() -> None:
    clock = FakeClock(now=1_000.0)
    budgets = RequestBudgets(RateLimits(burst_max=2, burst_window=10.0), clock=clock)
    assert budgets.check("t", search=False).allowed
    clock.advance(5.0)
    assert budgets.check("t", search=False).allowed
    for _ in range(20):
        clock.advance(0.2)
        assert not budgets.check("t", search=False).allowed
    # The first request leaves the window at t=1010: exactly one slot frees, however often we were refused.
    clock.advance(1.0)
    assert budgets.check("t", search=False).allowed
    assert not budgets.check("t", search=False).allowed


def test_the_daily_budget_runs_out_with_hubspots_daily_policy() -> None:
    clock = FakeClock()
    budgets = RequestBudgets(RateLimits(burst_max=100, daily_max=3), clock=clock)
    for _ in range(3):
        assert budgets.check("t", search=False).allowed
    decision = budgets.check("t", search=False)
    assert not decision.allowed and decision.rejected_body is not None
    assert decision.rejected_body["policyName"] == "DAILY"
    assert decision.rejected_body["message"] == "You have reached your daily limit."
    assert decision.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
