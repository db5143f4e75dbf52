"""HubSpot's URL paths for the endpoints the board uses, each a thin call into the Portal.

The portal owns HubSpot's semantics; these routes only translate HTTP (path, query, JSON body)
into its arguments, check the caller's scopes, and answer with the status the hubspot client
expects for that operation (it silently returns None on, say, a 200 where it expects 201).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from leadboard.sandbox.auth import (
    OWNER_SCOPES,
    ScopeGroup,
    association_scopes,
    object_scopes,
    require_scopes,
    schema_scopes,
    schema_write_scopes,
)
from leadboard.sandbox.front_door import SCOPES_KEY
from leadboard.sandbox.portal import Portal
from leadboard.sandbox.wire import (
    JSON_CONTENT_TYPE,
    dump_json,
    expect_array,
    expect_inputs,
    expect_object,
    parse_bool,
    parse_int,
    parse_json_body,
    split_list,
)

# HubSpot's date versions the sandbox serves; each has the numbered paths' shapes.
API_VERSIONS = ("2026-03", "2026-09")


def json_response(status: int, value: Any) -> Response:
    return Response(dump_json(value), status_code=status, media_type=JSON_CONTENT_TYPE)


def no_content() -> Response:
    return Response(status_code=204)


def authorize(request: Request, groups: Sequence[ScopeGroup]) -> None:
    require_scopes(request.scope.get(SCOPES_KEY), groups)


def _list(request: Request, name: str) -> list[str] | None:
    return split_list(request.query_params.getlist(name))


def _archived(request: Request) -> bool:
    return parse_bool("archived", request.query_params.get("archived"))


async def _object_body(request: Request) -> dict[str, Any]:
    return expect_object(parse_json_body(await request.body()))


async def _batch_body(request: Request) -> dict[str, Any]:
    return expect_inputs(await _object_body(request))


def _post(path: str, handler: Callable[[Request, str], Awaitable[Response]], action: str) -> Route:
    """A POST route whose handler also learns which batch action its path named."""

    async def endpoint(request: Request) -> Response:
        return await handler(request, action)

    return Route(path, endpoint, methods=["POST"])


def hubspot_routes(portal: Portal) -> list[BaseRoute]:
    """Every HubSpot route the sandbox serves, bound to one portal."""

    # --- objects ------------------------------------------------------------------------

    async def objects(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        if request.method == "POST":
            authorize(request, [object_scopes(object_type, write=True)])
            return json_response(201, portal.create_object(object_type, await _object_body(request)))
        authorize(request, [object_scopes(object_type, write=False)])
        query = request.query_params
        page = portal.list_objects(
            object_type,
            limit=parse_int("limit", query.get("limit"), 10),
            after=query.get("after") or None,
            properties=_list(request, "properties"),
            properties_with_history=_list(request, "propertiesWithHistory"),
            associations=_list(request, "associations"),
            archived=_archived(request),
        )
        return json_response(200, page)

    async def one_object(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        object_id = request.path_params["object_id"]
        id_property = request.query_params.get("idProperty") or None
        if request.method == "GET":
            authorize(request, [object_scopes(object_type, write=False)])
            found = portal.get_object(
                object_type,
                object_id,
                properties=_list(request, "properties"),
                properties_with_history=_list(request, "propertiesWithHistory"),
                associations=_list(request, "associations"),
                archived=_archived(request),
                id_property=id_property,
            )
            return json_response(200, found)
        authorize(request, [object_scopes(object_type, write=True)])
        if request.method == "PATCH":
            body = await _object_body(request)
            return json_response(
                200, portal.update_object(object_type, object_id, body, id_property=id_property)
            )
        portal.archive_object(object_type, object_id)
        return no_content()

    async def search(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        authorize(request, [object_scopes(object_type, write=False)])
        return json_response(200, portal.search(object_type, await _object_body(request)))

    async def batch(request: Request, action: str) -> Response:
        object_type = request.path_params["object_type"]
        authorize(request, [object_scopes(object_type, write=action != "read")])
        body = await _batch_body(request)
        if action == "read":
            status, result = portal.batch_read(object_type, body, archived=_archived(request))
        elif action == "create":
            status, result = portal.batch_create(object_type, body)
        elif action == "update":
            status, result = portal.batch_update(object_type, body)
        else:
            portal.batch_archive(object_type, body)
            return no_content()
        return json_response(status, result)

    # --- associations -------------------------------------------------------------------

    async def association_page(request: Request) -> Response:
        params = request.path_params
        authorize(request, association_scopes(params["object_type"], params["to_type"], write=False))
        query = request.query_params
        page = portal.association_page(
            params["object_type"],
            params["object_id"],
            params["to_type"],
            limit=parse_int("limit", query.get("limit"), 500),
            after=query.get("after") or None,
        )
        return json_response(200, page)

    async def associate_default(request: Request) -> Response:
        params = request.path_params
        authorize(request, association_scopes(params["object_type"], params["to_type"], write=True))
        result = portal.associate_default(
            params["object_type"], params["object_id"], params["to_type"], params["to_id"]
        )
        return json_response(200, result)

    async def association_pair(request: Request) -> Response:
        params = request.path_params
        args = (params["object_type"], params["object_id"], params["to_type"], params["to_id"])
        authorize(request, association_scopes(params["object_type"], params["to_type"], write=True))
        if request.method == "DELETE":
            portal.remove_associations(*args)
            return no_content()
        specs = expect_array(parse_json_body(await request.body()))
        return json_response(201, portal.associate_labelled(*args, specs))

    async def association_batch(request: Request, action: str) -> Response:
        from_type, to_type = request.path_params["from_type"], request.path_params["to_type"]
        authorize(request, association_scopes(from_type, to_type, write=action != "read"))
        body = await _batch_body(request)
        if action == "read":
            status, result = portal.batch_read_associations(from_type, to_type, body)
        elif action == "create":
            status, result = portal.batch_create_associations(from_type, to_type, body)
        elif action == "associate/default":
            status, result = portal.batch_associate_default(from_type, to_type, body)
        else:
            portal.batch_archive_associations(from_type, to_type, body)
            return no_content()
        return json_response(status, result)

    async def association_labels(request: Request) -> Response:
        from_type, to_type = request.path_params["from_type"], request.path_params["to_type"]
        authorize(request, association_scopes(from_type, to_type, write=False))
        return json_response(200, portal.association_labels(from_type, to_type))

    # --- owners, pipelines, properties, calling, account ------------------------------------------

    async def owners(request: Request) -> Response:
        authorize(request, OWNER_SCOPES)
        query = request.query_params
        page = portal.list_owners(
            email=query.get("email") or None,
            after=query.get("after") or None,
            limit=parse_int("limit", query.get("limit"), 100),
            archived=_archived(request),
        )
        return json_response(200, page)

    async def owner(request: Request) -> Response:
        authorize(request, OWNER_SCOPES)
        found = portal.get_owner(
            request.path_params["owner_id"],
            id_property=request.query_params.get("idProperty") or "id",
            archived=_archived(request),
        )
        return json_response(200, found)

    async def pipelines(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        authorize(request, schema_scopes(object_type))
        return json_response(200, portal.list_pipelines(object_type))

    async def pipeline(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        authorize(request, schema_scopes(object_type))
        return json_response(200, portal.get_pipeline(object_type, request.path_params["pipeline_id"]))

    async def stages(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        authorize(request, schema_scopes(object_type))
        return json_response(200, portal.list_stages(object_type, request.path_params["pipeline_id"]))

    async def properties(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        if request.method == "POST":
            authorize(request, schema_write_scopes(object_type))
            return json_response(201, portal.create_property(object_type, await _object_body(request)))
        authorize(request, schema_scopes(object_type))
        return json_response(200, portal.list_properties(object_type, archived=_archived(request)))

    async def one_property(request: Request) -> Response:
        object_type = request.path_params["object_type"]
        authorize(request, schema_scopes(object_type))
        return json_response(200, portal.get_property(object_type, request.path_params["name"]))

    async def dispositions(request: Request) -> Response:
        return json_response(200, portal.dispositions())

    async def account_details(request: Request) -> Response:
        return json_response(200, portal.account_details())

    def object_routes(objects_path: str, object_associations: str, pair_path: str) -> list[BaseRoute]:
        """Objects by type, and association writes and batches, under one version's prefixes."""
        return [
            Route(objects_path, objects, methods=["GET", "POST"]),
            Route(objects_path + "/search", search, methods=["POST"]),
            *(
                _post(f"{objects_path}/batch/{action}", batch, action)
                for action in ("read", "create", "update", "archive")
            ),
            Route(objects_path + "/{object_id}", one_object, methods=["GET", "PATCH", "DELETE"]),
            Route(object_associations + "/default/{to_type}/{to_id}", associate_default, methods=["PUT"]),
            Route(object_associations + "/{to_type}/{to_id}", association_pair, methods=["PUT", "DELETE"]),
            *(
                _post(f"{pair_path}/batch/{action}", association_batch, action)
                for action in ("read", "create", "associate/default", "archive")
            ),
            Route(pair_path + "/labels", association_labels, methods=["GET"]),
        ]

    def metadata_routes(owners_path: str, pipelines_path: str, properties_path: str) -> list[BaseRoute]:
        return [
            Route(owners_path, owners, methods=["GET"]),
            Route(owners_path + "/", owners, methods=["GET"]),  # the Python client adds the slash
            Route(owners_path + "/{owner_id}", owner, methods=["GET"]),
            Route(pipelines_path + "/{object_type}", pipelines, methods=["GET"]),
            Route(pipelines_path + "/{object_type}/{pipeline_id}", pipeline, methods=["GET"]),
            Route(pipelines_path + "/{object_type}/{pipeline_id}/stages", stages, methods=["GET"]),
            Route(properties_path + "/{object_type}", properties, methods=["GET", "POST"]),
            Route(properties_path + "/{object_type}/{name}", one_property, methods=["GET"]),
        ]

    def dated_routes(version: str) -> list[BaseRoute]:
        """HubSpot's date-versioned paths (research/hubspot-2026.md §1): the v3/v4 shapes, new paths."""
        objects_path = f"/crm/objects/{version}/{{object_type}}"
        return [
            *object_routes(
                objects_path,
                objects_path + "/{object_id}/associations",
                f"/crm/associations/{version}/{{from_type}}/{{to_type}}",
            ),
            *metadata_routes(
                f"/crm/owners/{version}", f"/crm/pipelines/{version}", f"/crm/properties/{version}"
            ),
            Route(f"/account-info/{version}/details", account_details, methods=["GET"]),
        ]

    # The numbered paths: HubSpot still answers them until 2027.
    v4_object = "/crm/v4/objects/{object_type}/{object_id}/associations"
    legacy = [
        *object_routes(
            "/crm/v3/objects/{object_type}", v4_object, "/crm/v4/associations/{from_type}/{to_type}"
        ),
        Route(v4_object + "/{to_type}", association_page, methods=["GET"]),
        # The path HubSpot's association-schema spec documents; the Python client uses the one above.
        Route("/crm/associations/v4/{from_type}/{to_type}/labels", association_labels, methods=["GET"]),
        *metadata_routes("/crm/v3/owners", "/crm/v3/pipelines", "/crm/v3/properties"),
        Route("/account-info/v3/details", account_details, methods=["GET"]),
    ]
    return [
        *legacy,
        *(route for version in API_VERSIONS for route in dated_routes(version)),
        # No date version exists (HubSpot's migration guide): the numbered path is the only one.
        Route("/calling/v1/dispositions", dispositions, methods=["GET"]),
    ]
