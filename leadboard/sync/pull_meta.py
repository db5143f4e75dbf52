"""Pulling the portal's metadata: who the rep is, the lead pipeline, options, outcomes, time zone.

Everything the board needs to paint without HubSpot is stored, so the next start works offline.
Five requests: owner by email, lead pipelines, lead properties (the enumerations: type, label,
disqualification reason, entry source), call dispositions, account details.
"""

from __future__ import annotations

from leadboard.cache.store import Store
from leadboard.state import (
    DEFAULT_PIPELINE_ID,
    PROP_LABEL,
    PROP_REASON,
    PROP_SOURCE,
    PROP_TYPE,
    QUALIFIED_STAGE_ID,
    UNQUALIFIED_STAGE_ID,
    Disposition,
    Option,
    PortalMeta,
    Stage,
)
from leadboard.sync.errors import NotFound, OwnerNotFound
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.remote import Owner, Pipeline, PropertyDefinition
from leadboard.text import clean_untrusted

#: sync_state key written here (beside what `Store.save_portal_meta` keeps): the rep's email as configured.
KEY_OWNER_EMAIL = "owner_email"

METADATA_REQUESTS = 5


def pull_metadata(
    store: Store, gateway: HubSpotGateway, rep_email: str | None, *, user_id: int | None = None
) -> PortalMeta:
    """Read the portal's metadata, store it in one transaction and return it.

    The rep is the owner of `user_id` when the token acts as a user (OAuth), else the owner with
    `rep_email`. Raises `OwnerNotFound` when there is no such owner, `NotFound` when the portal has
    no lead pipeline, and any other gateway error as it comes.
    """
    owner = _the_rep(gateway, rep_email, user_id)
    rep_email = owner.email or rep_email or ""
    pipeline = _lead_pipeline(gateway.lead_pipelines())
    properties = gateway.lead_properties((PROP_TYPE, PROP_LABEL, PROP_REASON, PROP_SOURCE))
    dispositions = gateway.call_dispositions()
    account = gateway.account_details()

    meta = PortalMeta(
        pipeline_id=pipeline.id,
        stages=tuple(
            Stage(
                id=s.id,
                label=clean_untrusted(s.label or s.id).strip() or s.id,
                display_order=s.display_order,
                closed=s.id in (QUALIFIED_STAGE_ID, UNQUALIFIED_STAGE_ID),
            )
            for s in pipeline.stages
            if not s.archived
        ),
        lead_types=_options(properties.get(PROP_TYPE)),
        lead_labels=_options(properties.get(PROP_LABEL)),
        disqualification_reasons=_options(properties.get(PROP_REASON)),
        lead_sources=_options(properties.get(PROP_SOURCE)),  # none when the portal lacks the property
        dispositions=tuple(
            Disposition(id=d.id, label=clean_untrusted(d.label or d.id).strip() or d.id, deleted=d.deleted)
            for d in dispositions
        ),
        owner_id=owner.id,
        portal_id=None if account.portal_id is None else str(account.portal_id),
        time_zone=_text(account.time_zone),
        ui_domain=_text(account.ui_domain),
    )
    with store.transaction():
        store.save_portal_meta(
            meta,
            owner_email=owner.email or rep_email.strip(),
            owner_name=(_text(owner.first_name), _text(owner.last_name)),
        )
        store.set_state(KEY_OWNER_EMAIL, clean_untrusted(rep_email.strip().lower()))
    return meta


def _lead_pipeline(pipelines: tuple[Pipeline, ...]) -> Pipeline:
    """HubSpot's default lead pipeline when present, else the first active one in display order."""
    active = [p for p in pipelines if not p.archived]
    for pipeline in active:
        if pipeline.id == DEFAULT_PIPELINE_ID:
            return pipeline
    if not active:
        raise NotFound(
            "This HubSpot portal has no lead pipeline. Leads need Sales Hub Professional or Enterprise "
            "with the Leads object set up.",
            operation="reading leads pipelines",
        )
    return active[0]


def _options(prop: PropertyDefinition | None) -> tuple[Option, ...]:
    """The property's options in display order (HubSpot's order where none is given)."""
    if prop is None:
        return ()
    options = [
        Option(
            value=o.value,
            label=clean_untrusted(o.label or o.value).strip() or o.value,
            display_order=o.display_order if o.display_order is not None else index,
            hidden=o.hidden,
        )
        for index, o in enumerate(prop.options)
    ]
    return tuple(sorted(options, key=lambda o: o.display_order))


def _text(value: str | None) -> str | None:
    cleaned = clean_untrusted(value).strip() if value else ""
    return cleaned or None


def _the_rep(gateway: HubSpotGateway, rep_email: str | None, user_id: int | None) -> Owner:
    if user_id is None:
        return gateway.find_owner_by_email(rep_email or "")
    try:
        return gateway.owner_by_user_id(user_id)
    except NotFound:
        raise OwnerNotFound(
            f"You are signed in as HubSpot user {user_id}, who is not an owner in this portal: "
            "ask an admin to make you one (Settings → Users & Teams)."
        ) from None
