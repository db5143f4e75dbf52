"""The HubSpot gateway: the one place leadboard talks to HubSpot (or the sandbox portal).

Built once from (base_url, token, api_version). Every call goes to HubSpot's date-versioned path
(hubspot_paths.py; `2026-09` unless the config pins another) through the generated client's
`ApiClient.call_api`, which the client's typed APIs (still on v3/v4) would not reach; one
ApiClient is created once and reused, so all calls share its pool, `host=`, token and retry policy.
The one numbered path left is the call dispositions' (no date version exists).

Every call: waits for the rate limiter, carries a (connect, read) timeout (the client has none by
default), lets urllib3 retry only connection attempts that never sent anything, reads the raw
JSON (`_preload_content=False`; SDK models are ~40x slower and not what we store), and turns any
failure into one of our own errors (errors.py). It returns plain data (remote.py).

The bearer comes from a `TokenProvider` (sync/tokens.py) on every request, so an OAuth access token
refreshed meanwhile (here or by another leadboard process) is the one sent; a 401 is answered by one
refresh and one retry of the same request. The token is never in our repr, messages or logs.

Creates take the outbox op id as `marker` and write it to leadboard's hidden `leadboard_op_id`
property (created on first use: HubSpot refuses an unknown property with a 400, which creates
nothing), so `find_created` can find an object whose create had an unknown outcome by reading the
lead's associations, never the eventually consistent search index. Objects from older versions,
with a visible `lb:<op id>` in the body, are found too.

Use from a worker thread (never the UI thread), one gateway and one limiter per portal:

    limiter = RateLimiter()                       # share it; it holds the 429 pause
    gateway = HubSpotGateway(base_url, token, limiter=limiter, cancel=stop_event)
    me = gateway.find_owner_by_email(email)       # Owner; OwnerNotFound if no such user
    page = gateway.search_leads(groups, sorts, props, after=None)   # SearchPage(results, total, next_after)
    note_id = gateway.create_note(marker=op_id, body_html=..., timestamp=..., owner_id=me.id,
                                  contact_id=..., lead_id=...)
    # on Ambiguous (or ServerError with is_create): gateway.find_created("note", op_id, lead_id)

Every method raises only leadboard.sync.errors.GatewayError subclasses for HubSpot and network
failures (see errors.py for what each means to the engine); ValueError for a caller's mistake.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from hubspot import HubSpot
from hubspot.discovery.discovery_base import DiscoveryBase
from urllib3.util.retry import Retry

from leadboard.config import DEFAULT_API_VERSION
from leadboard.op_markers import OP_ID_PROPERTY, markers_in, op_id_value
from leadboard.secret import Secret
from leadboard.sync.creates import CreatesActivities, op_id_property_definition, wire_value
from leadboard.sync.errors import (
    Ambiguous,
    AuthFailed,
    GatewayError,
    MissingScopes,
    NotFound,
    OwnerNotFound,
    PortalNotSetUp,
    RateLimited,
    Rejected,
    ServerError,
    clean_text,
)
from leadboard.sync.hubspot_paths import LEGACY_DISPOSITIONS_PATH, HubSpotPaths
from leadboard.sync.ratelimit import Kind, RateLimiter
from leadboard.sync.remote import (
    CREATED_KINDS,
    AccountDetails,
    Association,
    BatchRead,
    CallDisposition,
    CreatedKind,
    ListPage,
    Owner,
    Pipeline,
    PropertyDefinition,
    PropertyOption,
    RemoteObject,
    SearchPage,
    next_after,
)
from leadboard.sync.tokens import TokenProvider, as_provider
from leadboard.sync.translate import translate

DEFAULT_BASE_URL = "https://api.hubapi.com"
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)  # (connect, read) seconds
logger = logging.getLogger("leadboard.sync.hubspot")

DEFAULT_MAX_RATE_WAIT = 30.0
BATCH_READ_MAX = 100
ASSOCIATION_BATCH_MAX = 1_000
ASSOCIATION_PAGE = 500
SEARCH_PAGE_MAX = 200
LIST_PAGE_MAX = 100
LEAD_ENUM_PROPERTIES = ("hs_lead_type", "hs_lead_label", "hs_lead_disqualification_reason")
CALL_DISPOSITION_PROPERTY = "hs_call_disposition"
#: The longest 429 pause after which a read is sent again (`read_retries_after_429`).
READ_RETRY_MAX_PAUSE = 10.0
# Query parameters HubSpot takes repeated (`properties=a&properties=b`), as the generated client sends them.
_REPEATED_QUERY = {"properties": "multi", "propertiesWithHistory": "multi"}

Query = Sequence[tuple[str, Any]]


def transport_retry() -> Retry:
    """Retry only connection attempts (nothing sent yet); never reads, statuses or Retry-After.

    A read error on a POST may follow a commit, so only the sync engine, which can reconcile,
    decides about retrying those. urllib3 would otherwise sleep on a 429's Retry-After for GETs.
    """
    return Retry(
        total=2,
        connect=2,
        read=0,
        status=0,
        other=0,
        redirect=False,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


class HubSpotGateway(CreatesActivities):
    """Typed, rate-limited, timeout-bounded access to the HubSpot calls the sync engine needs.

    Thread-safe: the API objects are shared and urllib3's pools are thread-safe. `limiter` may be
    shared by several gateways (e.g. one rebuilt after a new token); `cancel` aborts limiter waits;
    a limiter wait longer than `max_rate_wait` raises `RateLimited(sent=False)` instead of blocking.
    A 429 from HubSpot pauses `limiter` itself (per policy and Retry-After) before it is raised.
    """

    def __init__(
        self,
        base_url: str,
        token: str | Secret | TokenProvider,
        *,
        limiter: RateLimiter | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        cancel: threading.Event | None = None,
        max_rate_wait: float = DEFAULT_MAX_RATE_WAIT,
        api_version: str = DEFAULT_API_VERSION,
        read_retries_after_429: int = 0,
    ) -> None:
        self.tokens = as_provider(token)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.timeout = timeout
        self.paths = HubSpotPaths(api_version)
        self._cancel = cancel
        self._max_rate_wait = max_rate_wait
        self._read_retries = read_retries_after_429
        self._apis: dict[tuple[str, str], Any] = {}
        self._apis_lock = threading.Lock()
        # The bearer is set on each request (`_send`), so the client's own configuration holds none.
        self._client = HubSpot(host=self.base_url, retry=transport_retry(), api_factory=self._api_factory)

    def __repr__(self) -> str:
        return f"HubSpotGateway(base_url={self.base_url!r}, api_version={self.paths.version!r})"

    def _api_factory(self, package: Any, api_name: str, config: Mapping[str, Any]) -> Any:
        """HubSpot's own factory, memoised: one ApiClient and pool per generated API."""
        key = (package.__name__, api_name)
        with self._apis_lock:
            api = self._apis.get(key)
            if api is None:
                api = DiscoveryBase._default_api_factory(package, api_name, dict(config))
                self._apis[key] = api
            return api

    def close(self) -> None:
        """Close pooled connections. The gateway stays usable; pools reopen on demand."""
        with self._apis_lock:
            for api in self._apis.values():
                api.api_client.rest_client.pool_manager.clear()

    def __enter__(self) -> HubSpotGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the one way out ---------------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        fn: Callable[..., Any],
        *args: Any,
        method: str,
        kind: Kind = "general",
        is_create: bool = False,
        expect: type | None = dict,
        **kwargs: Any,
    ) -> Any:
        """Send with the current bearer; after a 401, refresh once and send the same request again
        (a 401 means HubSpot did nothing with it, so even a create is safe to repeat)."""
        send = functools.partial(
            self._call_retrying,
            operation,
            fn,
            *args,
            method=method,
            kind=kind,
            is_create=is_create,
            expect=expect,
            **kwargs,
        )
        bearer = self.tokens.bearer()
        try:
            return send(bearer=bearer)
        except AuthFailed as exc:
            refused: AuthFailed = exc
        fresh = self.tokens.refresh_after(bearer)  # outside the except: a SignInAgain chains nothing
        if fresh is None:
            raise refused
        return send(bearer=fresh)

    def _call_retrying(
        self,
        operation: str,
        fn: Callable[..., Any],
        *args: Any,
        bearer: Secret,
        method: str,
        kind: Kind,
        is_create: bool,
        expect: type | None,
        **kwargs: Any,
    ) -> Any:
        """With `read_retries_after_429` (the engine's gateway), a read HubSpot turned away with a
        short 429 (its window, shared by every rep on the app, was full) is sent again once the
        limiter's pause is over: a 429 is never executed, and a read has nothing to keep exactly
        once, so a long pull is not thrown away for it. Writes keep their own 429 handling (push.py)."""
        for attempt in range(self._read_retries + 1):
            try:
                return self._call_once(
                    operation,
                    fn,
                    *args,
                    bearer=bearer,
                    method=method,
                    kind=kind,
                    is_create=is_create,
                    expect=expect,
                    **kwargs,
                )
            except RateLimited as exc:
                read = kind == "search" or method == "GET" or str(args[0] if args else "").endswith("/read")
                short = not exc.daily and (exc.retry_after or 1.0) <= READ_RETRY_MAX_PAUSE
                if not (read and short and exc.sent) or attempt == self._read_retries:
                    raise
        raise AssertionError("unreachable")

    def _call_once(
        self,
        operation: str,
        fn: Callable[..., Any],
        *args: Any,
        bearer: Secret,
        method: str,
        kind: Kind,
        is_create: bool,
        expect: type | None,
        **kwargs: Any,
    ) -> Any:
        """Acquire, send with the timeout, decode the JSON (of type `expect`) or raise our error."""
        self.limiter.acquire(kind, cancel=self._cancel, max_wait=self._max_rate_wait)
        try:
            response = fn(
                *args,
                _preload_content=False,
                _request_timeout=self.timeout,
                _request_auth=_bearer_header(bearer),  # never a local: tracebacks show locals
                **kwargs,
            )
            raw = response.data
            self.limiter.observe(_headers_of(response))
        except Exception as exc:
            self.limiter.observe(_headers_of(exc))
            error = translate(
                exc,
                operation=operation,
                method=method,
                is_create=is_create,
                host=self.base_url,
                secrets=(bearer.get_secret_value(),),
            )
            if error is None:
                raise
        else:
            return _decode(raw, expect, operation=operation, method=method, is_create=is_create)
        # Raised outside the except block, so the client's exception (headers, raw body) is not
        # chained into our traceback.
        self._note_rate_limit(error)
        raise error

    def _note_rate_limit(self, error: GatewayError) -> None:
        if isinstance(error, RateLimited) and error.sent:
            self.limiter.pause_for_rate_limit(error.policy, error.retry_after)

    @property
    def _api_client(self) -> Any:
        """The generated ApiClient every call goes through (one pool, the token, the retry policy)."""
        return self._client.crm.objects.basic_api.api_client

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        path_params: Mapping[str, str] | None = None,
        *,
        query: Query = (),
        body: Any = None,
        kind: Kind = "general",
        is_create: bool = False,
        expect: type | None = dict,
    ) -> Any:
        """One request to `path` (a template whose `{names}` the client quotes from `path_params`)."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self._call(
            operation,
            self._api_client.call_api,
            path,
            method,
            method=method,
            kind=kind,
            is_create=is_create,
            expect=expect,
            path_params=dict(path_params or {}),
            query_params=list(query),
            header_params=headers,
            body=body,
            auth_settings=["oauth2"],  # replaced per call by `_request_auth` (the current bearer)
            response_types_map={},
            collection_formats=dict(_REPEATED_QUERY),
        )

    # -- who and what: owner, metadata -------------------------------------------------------------

    def find_owner_by_email(self, email: str) -> Owner:
        """The active owner whose email matches (case-insensitively); `OwnerNotFound` if none."""
        wanted = email.strip().lower()
        after: str | None = None
        while True:
            query: list[tuple[str, Any]] = [("email", email.strip()), ("limit", 100), ("archived", "false")]
            if after:
                query.append(("after", after))
            page = self._send("looking up the owner", "GET", self.paths.owners, query=query)
            for item in page.get("results") or []:
                if str(item.get("email") or "").lower() == wanted:
                    return Owner.from_json(item)
            after = next_after(page)
            if after is None:
                break
        raise OwnerNotFound(
            f"No HubSpot user with the email {email.strip()} was found in this portal. "
            "Check the email in leadboard's settings (or --email)."
        )

    def owner_by_user_id(self, user_id: int | str) -> Owner:
        """The owner of a HubSpot user id (a token's or an audit entry's); `NotFound` if none."""
        data = self._send(
            f"looking up the owner of user {user_id}",
            "GET",
            self.paths.one_owner,
            {"ownerId": str(user_id)},
            query=[("idProperty", "userId"), ("archived", "false")],
        )
        return Owner.from_json(data)

    def owner_by_id(self, owner_id: str) -> Owner:
        """One owner by owner id (a colleague a lead was reassigned to); `NotFound` if none."""
        data = self._send(
            f"looking up owner {owner_id}", "GET", self.paths.one_owner, {"ownerId": str(owner_id)}
        )
        return Owner.from_json(data)

    def pipelines(self, object_type: str) -> tuple[Pipeline, ...]:
        """All pipelines of an object type (`leads`, `deals`), stages in display order."""
        data = self._send(
            f"reading {object_type} pipelines", "GET", self.paths.pipelines, {"objectType": object_type}
        )
        return tuple(
            sorted((Pipeline.from_json(p) for p in data.get("results") or []), key=lambda p: p.display_order)
        )

    def lead_pipelines(self) -> tuple[Pipeline, ...]:
        return self.pipelines("leads")

    def property_definition(self, object_type: str, name: str) -> PropertyDefinition:
        data = self._send(
            f"reading the {name} property",
            "GET",
            self.paths.one_property,
            {"objectType": object_type, "propertyName": name},
        )
        return PropertyDefinition.from_json(data)

    def property_options(self, object_type: str, name: str) -> tuple[PropertyOption, ...]:
        """An enumeration property's options (all of them, hidden ones flagged)."""
        return self.property_definition(object_type, name).options

    def lead_properties(self, names: Iterable[str] = LEAD_ENUM_PROPERTIES) -> dict[str, PropertyDefinition]:
        """The named lead properties from one call; a name the portal lacks is simply absent."""
        wanted = set(names)
        data = self._send(
            "reading lead properties",
            "GET",
            self.paths.properties,
            {"objectType": "leads"},
            query=[("archived", "false")],
        )
        found = (PropertyDefinition.from_json(p) for p in data.get("results") or [])
        return {p.name: p for p in found if p.name in wanted}

    def call_dispositions(self) -> tuple[CallDisposition, ...]:
        """The portal's call outcomes: leadboard's one call on a numbered (legacy) path.

        GET /calling/v1/dispositions (a bare JSON array) has no date-versioned equivalent yet
        (research/hubspot-2026.md §1), so it stays, here only. Should HubSpot retire it (404), the
        options of the calls' `hs_call_disposition` property, read on the date-versioned path, stand
        in: their values are the same outcome ids.
        """
        try:
            data = self._send("reading call outcomes", "GET", LEGACY_DISPOSITIONS_PATH, expect=None)
        except NotFound:
            options = self.property_options("calls", CALL_DISPOSITION_PROPERTY)
            return tuple(CallDisposition(id=o.value, label=o.label, deleted=o.hidden) for o in options)
        items = data if isinstance(data, list) else []
        return tuple(CallDisposition.from_json(d) for d in items if isinstance(d, dict) and "id" in d)

    def account_details(self) -> AccountDetails:
        data = self._send("reading account details", "GET", self.paths.account_details, expect=None)
        return AccountDetails.from_json(data if isinstance(data, dict) else {})

    # -- reads ---------------------------------------------------------------------------------------

    def search(
        self,
        object_type: str,
        *,
        filter_groups: Sequence[Mapping[str, Any]] = (),
        sorts: Sequence[Mapping[str, Any] | str] = (),
        properties: Sequence[str] = (),
        after: str | int | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        """One search page. `after` is HubSpot's offset; past 10,000 results HubSpot answers 400."""
        if not 1 <= limit <= SEARCH_PAGE_MAX:
            raise ValueError(f"search limit must be 1-{SEARCH_PAGE_MAX}")
        body: dict[str, Any] = {
            "filterGroups": [dict(g) for g in filter_groups],
            "sorts": [s if isinstance(s, str) else dict(s) for s in sorts],
            "properties": list(properties),
            "limit": limit,
        }
        if after is not None:
            body["after"] = str(after)
        data = self._send(
            f"searching {object_type}",
            "POST",
            self.paths.search,
            {"objectType": object_type},
            body=body,
            kind="search",
        )
        results = tuple(RemoteObject.from_json(o) for o in data.get("results") or [])
        return SearchPage(results=results, total=int(data.get("total") or 0), next_after=next_after(data))

    def search_leads(
        self,
        filter_groups: Sequence[Mapping[str, Any]],
        sorts: Sequence[Mapping[str, Any] | str],
        properties: Sequence[str],
        after: str | int | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        return self.search(
            "leads", filter_groups=filter_groups, sorts=sorts, properties=properties, after=after, limit=limit
        )

    def get_object(
        self,
        object_type: str,
        object_id: str,
        properties: Sequence[str] = (),
        *,
        archived: bool = False,
        properties_with_history: Sequence[str] = (),
    ) -> RemoteObject:
        """One object; `NotFound` when it does not exist (or is archived and `archived` is False)."""
        query: list[tuple[str, Any]] = [("archived", _flag(archived))]
        if properties:
            query.append(("properties", list(properties)))
        if properties_with_history:
            query.append(("propertiesWithHistory", list(properties_with_history)))
        data = self._send(
            f"reading {_singular(object_type)} {object_id}",
            "GET",
            self.paths.one_object,
            {"objectType": object_type, "objectId": str(object_id)},
            query=query,
        )
        return RemoteObject.from_json(data)

    def get_lead(
        self,
        lead_id: str,
        properties: Sequence[str] = (),
        *,
        archived: bool = False,
        properties_with_history: Sequence[str] = (),
    ) -> RemoteObject:
        return self.get_object(
            "leads", lead_id, properties, archived=archived, properties_with_history=properties_with_history
        )

    def list_objects(
        self,
        object_type: str,
        properties: Sequence[str] = (),
        *,
        after: str | None = None,
        limit: int = LIST_PAGE_MAX,
        archived: bool = False,
    ) -> ListPage:
        """One page of the list endpoint (`after` is an id-style cursor)."""
        query: list[tuple[str, Any]] = [
            ("limit", min(max(limit, 1), LIST_PAGE_MAX)),
            ("archived", _flag(archived)),
        ]
        if properties:
            query.append(("properties", list(properties)))
        if after:
            query.append(("after", after))
        data = self._send(
            f"listing {'archived ' if archived else ''}{object_type}",
            "GET",
            self.paths.objects,
            {"objectType": object_type},
            query=query,
        )
        results = tuple(RemoteObject.from_json(o) for o in data.get("results") or [])
        return ListPage(results=results, next_after=next_after(data))

    def list_archived_leads(
        self, properties: Sequence[str] = (), *, after: str | None = None, limit: int = LIST_PAGE_MAX
    ) -> ListPage:
        """Archived leads (archiving does not bump hs_lastmodifieddate, so search never shows it)."""
        return self.list_objects("leads", properties, after=after, limit=limit, archived=True)

    def batch_read(
        self,
        object_type: str,
        ids: Iterable[str],
        properties: Sequence[str] = (),
        *,
        archived: bool = False,
        properties_with_history: Sequence[str] = (),
    ) -> BatchRead:
        """Objects by id, 100 per request (chunked here); ids HubSpot did not return are `missing`."""
        wanted = _unique(str(i) for i in ids)
        found: dict[str, RemoteObject] = {}
        for chunk in _chunks(wanted, BATCH_READ_MAX):
            body = {
                "inputs": [{"id": i} for i in chunk],
                "properties": list(properties),
                "propertiesWithHistory": list(properties_with_history),
            }
            data = self._send(
                f"reading {object_type}",
                "POST",
                self.paths.batch_read,
                {"objectType": object_type},
                query=[("archived", _flag(archived))],
                body=body,
            )
            for item in data.get("results") or []:
                obj = RemoteObject.from_json(item)
                found[obj.id] = obj
        return BatchRead(found=found, missing=tuple(i for i in wanted if i not in found))

    def batch_read_associations(
        self, from_type: str, to_type: str, ids: Iterable[str]
    ) -> dict[str, tuple[Association, ...]]:
        """Each id's associations to `to_type` (1,000 ids per request, per-id paging followed).

        Every requested id is a key; ids without associations (or unknown to HubSpot) map to ().
        """
        wanted = _unique(str(i) for i in ids)
        found: dict[str, list[Association]] = {i: [] for i in wanted}
        pending: list[dict[str, str]] = [{"id": i} for i in wanted]
        while pending:
            chunk, pending = pending[:ASSOCIATION_BATCH_MAX], pending[ASSOCIATION_BATCH_MAX:]
            data = self._send(
                f"reading {from_type} → {to_type} associations",
                "POST",
                self.paths.association_batch_read,
                {"fromObjectType": from_type, "toObjectType": to_type},
                body={"inputs": chunk},
            )
            for result in data.get("results") or []:
                from_id = str((result.get("from") or {}).get("id"))
                found.setdefault(from_id, []).extend(Association.from_json(t) for t in result.get("to") or [])
                after = next_after(result)
                if after:
                    pending.append({"id": from_id, "after": after})
        return {k: tuple(v) for k, v in found.items()}

    def list_associations(self, from_type: str, from_id: str, to_type: str) -> tuple[Association, ...]:
        """One object's associations to `to_type`, all pages (the date versions read them in batch)."""
        return self.batch_read_associations(from_type, to_type, [str(from_id)]).get(str(from_id), ())

    # -- writes ----------------------------------------------------------------------------------

    def update_object(
        self, object_type: str, object_id: str, properties: Mapping[str, object]
    ) -> RemoteObject:
        """PATCH properties (None clears a value); returns the object as HubSpot saved it."""
        body = {"properties": {k: "" if v is None else wire_value(v) for k, v in properties.items()}}
        data = self._send(
            f"updating {_singular(object_type)} {object_id}",
            "PATCH",
            self.paths.one_object,
            {"objectType": object_type, "objectId": str(object_id)},
            body=body,
        )
        return RemoteObject.from_json(data)

    def update_lead(self, lead_id: str, properties: Mapping[str, object]) -> RemoteObject:
        return self.update_object("leads", lead_id, properties)

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int) -> None:
        """Add one HubSpot-defined association (the labelled PUT; idempotent, safe to repeat)."""
        spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": int(type_id)}]
        self._send(
            f"associating {_singular(from_type)} {from_id} with {_singular(to_type)} {to_id}",
            "PUT",
            self.paths.association_labelled,
            _pair(from_type, from_id, to_type, to_id),
            body=spec,
            expect=None,
        )

    def associate_default(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Add HubSpot's default association of the pair (the PUT without a body; idempotent)."""
        self._send(
            f"associating {_singular(from_type)} {from_id} with {_singular(to_type)} {to_id}",
            "PUT",
            self.paths.association_default,
            _pair(from_type, from_id, to_type, to_id),
            expect=None,
        )

    def _post_create(self, operation: str, object_type: str, body: dict[str, Any]) -> str:
        """POST a create (never retried here, but once after creating a missing op id property)."""
        try:
            data = self._send(
                operation, "POST", self.paths.objects, {"objectType": object_type}, body=body, is_create=True
            )
        except Rejected as refused:
            if not _lacks_op_id_property(refused):
                raise
            try:
                self.create_op_id_property(object_type)  # the 400 created nothing: sending again is safe
            except MissingScopes as cannot:
                raise PortalNotSetUp(cannot, object_type) from None
            data = self._send(
                operation, "POST", self.paths.objects, {"objectType": object_type}, body=body, is_create=True
            )
        if not isinstance(data, dict) or not data.get("id"):
            raise Ambiguous(
                f"HubSpot's answer to {operation} had no id; it may have been saved, "
                "so it is checked before any retry.",
                method="POST",
                is_create=True,
                operation=operation,
            )
        return str(data["id"])

    def create_op_id_property(self, object_type: str) -> None:
        """Create leadboard's hidden op id property on `object_type`, in the group of the type's
        own body property; done once per portal (another rep's 409 "already exists" is fine).

        Needs the type's schema write scope (`crm.schemas.contacts.write` for notes, calls and
        tasks, `crm.schemas.deals.write` for deals): without it HubSpot's 403 names the scope."""
        group = self.property_definition(object_type, _GROUP_PROPERTY[object_type]).group
        try:
            self._send(
                f"creating leadboard's op id property on {object_type}",
                "POST",
                self.paths.properties,
                {"objectType": object_type},
                body=op_id_property_definition(group),
            )
        except Rejected as refused:
            if refused.status != 409:
                raise
        logger.info("created the %s property on %s", OP_ID_PROPERTY, object_type)

    # -- finding a create whose outcome was unknown ---------------------------------------------

    def find_created_all(self, kind: CreatedKind, marker: str, lead_id: str) -> tuple[str, ...]:
        """Ids of the lead's notes/calls/deals/tasks carrying the op id, oldest first.

        Reads the lead's associations and batch-reads the op id property (and the body, where older
        versions wrote `lb:<op id>`): exact, unlike search.
        """
        object_type, body_property = CREATED_KINDS[kind]
        op_id = op_id_value(marker)
        ids = [a.to_id for a in self.list_associations("leads", lead_id, object_type)]
        if not ids:
            return ()
        batch = self.batch_read(object_type, ids, [OP_ID_PROPERTY, body_property])
        hits = [
            o
            for o in batch.found.values()
            if o.get(OP_ID_PROPERTY) == op_id or op_id in markers_in(o.get(body_property))
        ]
        hits.sort(key=lambda o: (o.created_at or "", int(o.id) if o.id.isdigit() else 0, o.id))
        return tuple(o.id for o in hits)

    def find_created(self, kind: CreatedKind, marker: str, lead_id: str) -> str | None:
        """The oldest object created with this marker on the lead, or None if there is none."""
        found = self.find_created_all(kind, marker, lead_id)
        return found[0] if found else None


# -- helpers ------------------------------------------------------------------------------------

#: A property every type leadboard creates has; its group is where the op id property goes.
#: Its keys are every object type leadboard creates (`leadboard setup` prepares each).
_GROUP_PROPERTY = {
    "notes": "hs_note_body",
    "calls": "hs_call_body",
    "tasks": "hs_task_body",
    "deals": "dealname",
}


OP_ID_OBJECT_TYPES: tuple[str, ...] = tuple(_GROUP_PROPERTY)


def _lacks_op_id_property(refused: Rejected) -> bool:
    """HubSpot's 400 for a create naming the op id property as one the portal does not have."""
    return (
        refused.status == 400
        and "PROPERTY_DOESNT_EXIST" in refused.codes
        and OP_ID_PROPERTY in refused.properties
    )


def _bearer_header(bearer: Secret) -> dict[str, str]:
    """The generated client's per-request auth override: `Authorization: Bearer …`."""
    return {"in": "header", "key": "Authorization", "value": f"Bearer {bearer.get_secret_value()}"}


def _decode(raw: bytes | None, expect: type | None, *, operation: str, method: str, is_create: bool) -> Any:
    """The answer's JSON; an unreadable or misshapen 2xx is a server fault (for a create: unknown).

    Text that is not UTF-8 costs only the records it is in: those in a page's `results` are skipped
    (and named in the log), so one bad byte cannot stop every pull; anywhere else the answer is
    unreadable, as before."""
    try:
        data = json.loads(raw) if raw else None
    except UnicodeDecodeError:
        data = _without_unreadable_records(raw or b"", operation)
    except ValueError:
        data = _UNREADABLE
    if data is not _UNREADABLE and (expect is None or isinstance(data, expect)):
        return data
    if is_create:
        raise Ambiguous(
            f"HubSpot's answer to {operation} could not be read; it may have been saved.",
            method=method,
            is_create=True,
            operation=operation,
        )
    raise ServerError(f"HubSpot sent an unexpected answer while {operation}.", operation=operation)


_UNREADABLE = object()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _pair(from_type: str, from_id: str, to_type: str, to_id: str) -> dict[str, str]:
    return {
        "objectType": from_type,
        "objectId": str(from_id),
        "toObjectType": to_type,
        "toObjectId": str(to_id),
    }


def _without_unreadable_records(raw: bytes, operation: str) -> Any:
    """Parse an answer holding invalid UTF-8, dropping the `results` records it is in; `_UNREADABLE`
    when it is anywhere else (the bytes are kept as lone surrogates by surrogateescape, then looked for)."""
    try:
        data = json.loads(raw.decode("utf-8", "surrogateescape"))
    except ValueError:
        return _UNREADABLE
    results = data.get("results") if isinstance(data, dict) else None
    if isinstance(results, list):
        kept = []
        for record in results:
            if _has_unreadable_text(record):
                record_id = record.get("id") if isinstance(record, dict) else None
                shown = clean_text(str(record_id), limit=40) if record_id is not None else "without an id"
                logger.warning(
                    "Skipped record %s while %s: HubSpot sent text in it that is not valid UTF-8",
                    shown,
                    operation,
                )
            else:
                kept.append(record)
        data = {**data, "results": kept}
    return _UNREADABLE if _has_unreadable_text(data) else data


def _has_unreadable_text(value: Any) -> bool:
    """Whether a parsed JSON value holds a byte that was not UTF-8 (a lone surrogate), in a key or text."""
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_unreadable_text(k) or _has_unreadable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unreadable_text(v) for v in value)
    return False


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _singular(object_type: str) -> str:
    return {"companies": "company"}.get(object_type, object_type.removesuffix("s"))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _headers_of(answer: object) -> Mapping[str, str] | None:
    """The response headers of an answer or an API exception (None for a transport error)."""
    headers = getattr(answer, "headers", None)
    if headers is None and callable(getattr(answer, "getheaders", None)):
        headers = answer.getheaders()  # type: ignore[attr-defined]
    return headers if isinstance(headers, Mapping) else None
