"""Our error classes, the translation into them, and the op marker helpers.

The gateway tests drive these through the sandbox; here the edge cases HubSpot can produce but the
sandbox does not (legacy scope keys, odd bodies, raw urllib3 failures) are fed in directly.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from leadboard.op_markers import marker_for, markers_in, strip_marker
from leadboard.sync.errors import (
    Ambiguous,
    AuthFailed,
    MissingScopes,
    NotFound,
    Offline,
    RateLimited,
    Rejected,
    ServerError,
    clean_text,
)
from leadboard.sync.translate import http_error, network_error, translate

TOKEN = "pat-eu1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def body(**fields: object) -> str:
    return json.dumps({"status": "error", "correlationId": "c-1", **fields})


# -- clean_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52 clipboard write
        "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
        "\x1b[6n",  # ask the terminal to report on stdin
        "\x1bc",  # reset
        "\x9b31m",  # 8-bit CSI
        "\u202egnp.exe",  # bidi override
        "line\nbreak\rand\ttab\x00nul\x7f",
    ],
)
def test_clean_text_leaves_no_control_characters(hostile: str) -> None:
    cleaned = clean_text(f"before {hostile} after")
    assert cleaned.startswith("before") and cleaned.endswith("after")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    assert "\u202e" not in cleaned


def test_clean_text_masks_tokens_and_caps_length() -> None:
    text = clean_text(
        f"Authorization: Bearer abc.def and {TOKEN} and custom-secret", secrets=["custom-secret"]
    )
    assert TOKEN not in text and "abc.def" not in text and "custom-secret" not in text
    assert text.count("[redacted]") == 3
    assert len(clean_text("x" * 5000)) == 400


# -- HTTP statuses ------------------------------------------------------------------------------


def test_invalid_option_names_code_property_and_the_message() -> None:
    items = [
        {
            "isValid": False,
            "message": "BOGUS was not one of the allowed options: [BAD_TIMING, NOT_A_GOOD_FIT]",
            "error": "INVALID_OPTION",
            "name": "hs_lead_disqualification_reason",
        }
    ]
    raw = body(message="Property values were not valid: " + json.dumps(items), category="VALIDATION_ERROR")
    error = http_error(400, raw, {}, operation="updating lead 7", is_create=False)
    assert isinstance(error, Rejected)
    assert error.codes == ("INVALID_OPTION",)
    assert error.properties == ("hs_lead_disqualification_reason",)
    assert str(error) == (
        "HubSpot rejected updating lead 7: "
        "BOGUS was not one of the allowed options: [BAD_TIMING, NOT_A_GOOD_FIT]"
    )
    assert not error.transient


def test_errors_list_is_used_when_the_message_is_plain() -> None:
    raw = body(
        message="Invalid input",
        category="VALIDATION_ERROR",
        errors=[
            {
                "message": 'Property "x" does not exist',
                "code": "PROPERTY_DOESNT_EXIST",
                "context": {"propertyName": ["x"]},
            }
        ],
    )
    error = http_error(400, raw, {}, operation="updating lead 7", is_create=False)
    assert isinstance(error, Rejected)
    assert error.codes == ("PROPERTY_DOESNT_EXIST",) and error.properties == ("x",)
    assert 'Property "x" does not exist' in str(error)


def test_conflict_and_unprocessable_are_rejected_with_hubspots_message() -> None:
    for status in (409, 422):
        error = http_error(
            status,
            body(message="Contact already exists. Existing ID: 501", category="CONFLICT"),
            {},
            operation="creating a contact",
            is_create=True,
        )
        assert isinstance(error, Rejected) and error.status == status
        assert "Existing ID: 501" in str(error) and error.category == "CONFLICT"


def test_403_reads_granular_then_legacy_scopes() -> None:
    granular = body(
        category="MISSING_SCOPES",
        message="m",
        errors=[{"message": "m", "context": {"requiredGranularScopes": ["a.read", "b.read"]}}],
    )
    legacy = body(
        category="MISSING_SCOPES",
        message="m",
        errors=[{"message": "m", "context": {"requiredScopes": ["c.write"]}}],
    )
    bare = body(category="MISSING_SCOPES", message="You do not have permission")
    first = http_error(403, granular, {}, operation="reading owners", is_create=False)
    second = http_error(403, legacy, {}, operation="reading owners", is_create=False)
    third = http_error(403, bare, {}, operation="reading owners", is_create=False)
    assert isinstance(first, MissingScopes) and first.scopes == ("a.read", "b.read")
    assert isinstance(second, MissingScopes) and second.scopes == ("c.write",)
    assert (
        isinstance(third, MissingScopes) and third.scopes == () and "You do not have permission" in str(third)
    )


def test_429_reads_policy_and_retry_after_in_any_header_case() -> None:
    raw = body(message="You have reached your ten_secondly_rolling limit.", policyName="TEN_SECONDLY_ROLLING")
    error = http_error(429, raw, {"retry-after": "7"}, operation="searching leads", is_create=False)
    assert isinstance(error, RateLimited)
    assert (error.policy, error.retry_after, error.sent, error.daily) == (
        "TEN_SECONDLY_ROLLING",
        7.0,
        True,
        False,
    )
    no_header = http_error(429, raw, {"Retry-After": "soon"}, operation="x", is_create=False)
    assert isinstance(no_header, RateLimited) and no_header.retry_after is None
    daily = http_error(429, body(message="daily", policyName="DAILY"), None, operation="x", is_create=False)
    assert isinstance(daily, RateLimited) and daily.daily


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthFailed),
        (404, NotFound),
        (500, ServerError),
        (502, ServerError),
        (504, ServerError),
        (423, ServerError),
        (477, ServerError),
    ],
)
def test_status_families(status: int, kind: type) -> None:
    error = http_error(status, "<html>gateway timeout</html>", {}, operation="reading lead 3", is_create=True)
    assert isinstance(error, kind)
    assert "<html>" not in str(error)
    if isinstance(error, ServerError):
        assert error.transient and error.is_create


def test_hubspot_exceptions_from_any_module_are_recognised() -> None:
    from hubspot.crm.objects.notes.exceptions import ApiException as NotesApiException
    from hubspot.crm.owners.exceptions import NotFoundException as OwnersNotFound

    notes = NotesApiException(status=400, reason="Bad Request")
    notes.body = body(message="bad", category="VALIDATION_ERROR")
    owners = OwnersNotFound(status=404, reason="Not Found")
    for exc, kind in ((notes, Rejected), (owners, NotFound)):
        error = translate(exc, operation="x", method="GET", is_create=False, host="h")
        assert isinstance(error, kind)
    assert translate(KeyError("bug"), operation="x", method="GET", is_create=False, host="h") is None


# -- network failures ---------------------------------------------------------------------------


def test_failures_before_sending_are_offline() -> None:
    refused = MaxRetryError(None, "/x", NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    dns = MaxRetryError(None, "/x", NameResolutionError("api.hubapi.com", None, OSError("no name")))  # type: ignore[arg-type]
    slow_connect = ConnectTimeoutError("timed out connecting")
    causes = []
    for exc in (refused, dns, slow_connect):
        error = network_error(
            exc, operation="searching leads", method="POST", is_create=False, host="https://api.hubapi.com"
        )
        assert isinstance(error, Offline)
        causes.append(str(error))
    assert "refused" in causes[0] and "resolved" in causes[1] and "timed out" in causes[2]


def test_failures_after_sending_are_ambiguous_and_say_whether_a_create() -> None:
    timeout = ReadTimeoutError(None, "/crm/v3/objects/notes", "Read timed out.")  # type: ignore[arg-type]
    dropped = ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    retried_get = MaxRetryError(None, "/x", timeout)  # type: ignore[arg-type]
    create = network_error(timeout, operation="creating a note", method="POST", is_create=True, host="h")
    read = network_error(dropped, operation="searching leads", method="POST", is_create=False, host="h")
    get = network_error(retried_get, operation="reading lead 1", method="GET", is_create=False, host="h")
    assert isinstance(create, Ambiguous) and create.is_create and create.method == "POST"
    assert "may have been saved" in str(create)
    assert isinstance(read, Ambiguous) and not read.is_create
    assert isinstance(get, Ambiguous) and get.method == "GET"


# -- markers ------------------------------------------------------------------------------------


def test_markers_match_whole_op_ids_only() -> None:
    text = "<p>Called</p><p>lb:01J9Z0000000000000000001</p>"
    assert markers_in(text) == {"01J9Z0000000000000000001"}
    assert "01J9Z000000000000000000" not in markers_in(text)
    assert markers_in("see blob:lb:abc") == set()
    assert strip_marker(text) == "<p>Called</p>"
    assert strip_marker("Deal from the board\n\nlb:op-1") == "Deal from the board"


@pytest.mark.parametrize("bad", ["", "has space", "x" * 65, "semi;colon", "<p>"])
def test_marker_refuses_unsafe_op_ids(bad: str) -> None:
    with pytest.raises(ValueError):
        marker_for(bad)


def test_errors_limiter_and_data_types_import_without_hubspot() -> None:
    code = (
        "import sys\n"
        "import leadboard.sync.errors, leadboard.sync.ratelimit, leadboard.sync.remote\n"
        "assert 'hubspot' not in sys.modules, 'hubspot was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_portal_rule_is_a_change_the_rep_must_fix_in_plain_words() -> None:
    from leadboard.sync.errors import PortalRuleRefused

    items = [
        {
            "isValid": False,
            "message": "Amount (amount) is required\x1b[31m",
            "error": "REQUIRED_PROPERTY",
            "name": "amount",
        }
    ]
    raw = body(message="Property values were not valid: " + json.dumps(items), category="VALIDATION_ERROR")
    error = http_error(400, raw, {}, operation="creating a deal", is_create=True)
    assert isinstance(error, PortalRuleRefused) and not error.transient and not error.permission
    assert error.properties == ("amount",)
    assert str(error) == (
        "Your HubSpot portal requires more before creating a deal: Amount (amount) is required "
        "Edit the change to add it, then retry."
    )
    denied = body(
        message="You do not have permission to edit associations in this account.",
        category="VALIDATION_ERROR",
        errors=[{"message": "no permission", "code": "ASSOCIATION_PERMISSION_DENIED"}],
    )
    refused = http_error(400, denied, {}, operation="creating a note", is_create=True)
    assert isinstance(refused, PortalRuleRefused) and refused.permission
    assert "Ask a HubSpot admin" in str(refused)
