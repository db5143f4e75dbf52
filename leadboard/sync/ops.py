"""What each outbox op writes to HubSpot, step by step (DESIGN.md, "The lead process").

Which steps an op makes, in order, is its command's (`push_steps` in leadboard/commands/registry.py,
e.g. move_stage: props → note; qualify: props → note → deal unless the rep chose no deal); this
module knows how to make each step:

    props   the 3-way check, then one PATCH of the lead's properties the command changes
    note    a note on the contact + lead, opening with the command's headline ("Moved to …")
    call    a call on the contact (194) + lead (597)
    deal    the qualify's deal on the contact + lead
    task    the recycling follow-up task on the contact (204) + lead (647)

A compound op records each finished step (`outbox.record_step`) so a restart resumes at the step
it reached; a conflict or a block at the props step ends the op, so later steps never run.

Creates carry the op id as their marker. An op whose outcome was ever unknown (`first_ambiguous_at`)
looks for what it may already have created (`gateway.find_created`: associations + batch read, never
search) before sending again, and re-sends with the same marker only after a grace period, so a
request that HubSpot commits late cannot make a second object. Its PATCH waits out the same grace
(then reads again): an unanswered PATCH landing late must not undo a later op on the same lead.

Lead ownership: a lead reassigned away, archived or deleted blocks property ops, with the reason. A
note or call on a lead that was reassigned is still sent (it records something that happened and
HubSpot attaches it to the same lead and contact; research/sync-reliability.md, C); on an archived or
deleted lead it is blocked too, also when the cache did not know yet and HubSpot refused the create
(a 400 naming the lead): the lead is then marked gone at once and leaves the board.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from leadboard.cache.outbox import Op
from leadboard.cache.store import Store, now_ms
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.qualify import Qualify
from leadboard.commands.registry import PushStep, partial_push_words
from leadboard.note_html import note_to_html
from leadboard.state import LEAD_PROPERTIES, NOTE_HTML_LIMIT, PROP_OWNER, PortalMeta, follow_up_due
from leadboard.sync.crashpoints import crash_point, request_in_flight
from leadboard.sync.errors import NotFound, Rejected
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.remote import CreatedKind, RemoteObject
from leadboard.text import clean_untrusted

logger = logging.getLogger("leadboard.sync.push")

Outcome = Literal["done", "conflict", "blocked"]
Step = PushStep
PRIMARY_CONTACT_TYPE = 578  # lead → primary contact
_CREATED_BY_STEP: dict[str, CreatedKind] = {"note": "note", "call": "call", "deal": "deal", "task": "task"}
#: Longest contact name put in a follow-up task's subject (the rest is cut with "…").
SUBJECT_NAME_CHARS = 80


class WaitBeforeResend(Exception):
    """An unknown-outcome create was not found yet: wait until `until` (epoch ms) before re-sending."""

    def __init__(self, until: int) -> None:
        super().__init__(f"waiting until {until} before sending again")
        self.until = until


def steps_for(op: Op) -> tuple[Step, ...]:
    """The HubSpot writes an op makes, in order (its command's registered steps)."""
    return op.command.push_steps()


def gone_message(gone: str) -> str:
    """The blocked op's message for a lead that is "archived", "deleted" or "merged into 123"."""
    return (
        f"This lead was {gone} in HubSpot, so your change was not sent. "
        "Discard it, or copy your text elsewhere first."
    )


def blank_to_none(value: object) -> str | None:
    """HubSpot sends a cleared property as "" or null (or leaves it out): all mean no value."""
    return None if value is None or value == "" else str(value)


def lead_json(obj: RemoteObject, *, over: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A lead as the store's `upsert_leads` takes it; `over` (a cached props dict) fills gaps the
    answer left out, so a PATCH answer with few properties never blanks the cached name."""
    properties = dict(over or {}) | {k: v for k, v in obj.properties.items()}
    return {
        "id": obj.id,
        "properties": properties,
        "createdAt": obj.created_at,
        "updatedAt": obj.updated_at,
        "archived": obj.archived,
    }


class OpRunner:
    """Runs one claimed op's remaining steps. HubSpot errors propagate for push.py to classify."""

    def __init__(
        self,
        store: Store,
        gateway: HubSpotGateway,
        meta: PortalMeta,
        *,
        grace_ms: int,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.meta = meta
        self.grace_ms = grace_ms
        self.clock = clock
        self._contacts: dict[str, str | None] = {}
        self._deal_pipeline: tuple[str | None, str | None] | None = None

    # --- the op ------------------------------------------------------------------------------------

    def run(self, op: Op) -> Outcome:
        outbox = self.store.outbox
        steps = steps_for(op)
        ids = dict(op.remote_ids)
        refreshed: dict[str, Any] | None = None
        if "props" not in steps[op.step :] and (gone := self._cached_gone_reason(op.lead_id)):
            outbox.finish_blocked(op.op_id, gone)
            return "blocked"
        for index in range(op.step, len(steps)):
            step = steps[index]
            if step == "props":
                outcome, refreshed = self._props_step(op)
                if outcome is not None:
                    return outcome
            else:
                try:
                    ids[step] = self._create_step(op, step)
                except Rejected:
                    # HubSpot refuses a create whose lead was archived since the last pull with a
                    # bare "leads N was not found": the same case as a move's 404, so the same words.
                    if self._lead_is_live(op.lead_id):
                        raise
                    return self._block_gone(op)
            if index + 1 < len(steps):
                with self.store.transaction():
                    if refreshed is not None:
                        self.store.upsert_leads([refreshed])
                    op = outbox.record_step(op.op_id, index + 1, ids)
                refreshed = None
                crash_point("between_steps")
        outbox.finish_done(op.op_id, remote_ids=ids, lead=refreshed)
        return "done"

    # --- props: the 3-way check, then one PATCH ----------------------------------------------------

    def _props_step(self, op: Op) -> tuple[Outcome | None, dict[str, Any] | None]:
        """Check HubSpot's values against the op's base; PATCH what is still ours to change.

        Returns (outcome, None) when the op ended here (blocked or conflict), else (None, lead JSON).
        """
        names = sorted(set(LEAD_PROPERTIES) | set(op.changes))
        try:
            remote = self.gateway.get_lead(op.lead_id, names)
        except NotFound:
            return self._block_gone(op), None
        cached = self._cached_props(op.lead_id)
        fresh = lead_json(remote, over=cached)
        owner = blank_to_none(remote.get(PROP_OWNER))
        if self.meta.owner_id is not None and owner != self.meta.owner_id:
            reason = (
                "This lead was reassigned in HubSpot to another owner"
                f"{f' (owner {owner})' if owner else ''}, so your change was not sent. "
                "Discard it, or retry once the lead is yours again."
            )
            with self.store.transaction():
                self.store.upsert_leads([fresh])
                self.store.outbox.finish_blocked(op.op_id, reason)
            return "blocked", None
        theirs = {name: blank_to_none(remote.get(name)) for name in op.changes}
        conflicts = {
            name: theirs[name]
            for name, mine in op.changes.items()
            if theirs[name] != blank_to_none(mine) and theirs[name] != blank_to_none(op.base.get(name))
        }
        if conflicts:
            with self.store.transaction():
                self.store.upsert_leads([fresh])
                self.store.outbox.finish_conflict(op.op_id, conflicts)
            return "conflict", None
        to_write = {n: v for n, v in op.changes.items() if theirs[n] != blank_to_none(v)}
        if not to_write:
            return None, fresh  # HubSpot already has our values (e.g. a retry after an unseen success)
        if op.first_ambiguous_at is not None and self.clock() < op.first_ambiguous_at + self.grace_ms:
            # An unanswered PATCH may still land: writing now could let it overwrite a later op's value.
            raise WaitBeforeResend(op.first_ambiguous_at + self.grace_ms)
        with request_in_flight():
            updated = self.gateway.update_lead(op.lead_id, to_write)
        crash_point("after_response_before_commit")
        return None, lead_json(updated, over=fresh["properties"])

    def _lead_is_live(self, lead_id: str) -> bool:
        """Whether HubSpot still has the lead unarchived (asked only after a create was refused)."""
        try:
            self.gateway.get_lead(lead_id, [PROP_OWNER])
        except NotFound:
            return False
        return True

    def _block_gone(self, op: Op) -> Outcome:
        """The lead is not readable: archived (findable with archived=true) or deleted/merged."""
        try:
            self.gateway.get_lead(op.lead_id, [PROP_OWNER], archived=True)
            gone = "archived"
        except NotFound:
            gone = "deleted"
        message = gone_message(gone)
        if steps := partial_push_words(steps_for(op), op.step):
            message = f"{message} {steps}"
        with self.store.transaction():
            self.store.mark_leads_gone({op.lead_id: gone})  # the pull's words: archived / deleted
            self.store.outbox.finish_blocked(op.op_id, message)
        return "blocked"

    # --- creates: note, call, deal -----------------------------------------------------------------

    def _create_step(self, op: Op, step: Step) -> str:
        kind: CreatedKind = _CREATED_BY_STEP[step]
        known = op.remote_ids.get(kind)
        if known:
            return known
        if op.first_ambiguous_at is not None:
            found = self.gateway.find_created(kind, op.marker, op.lead_id)
            if found is not None:
                logger.info("op %s: found the %s HubSpot saved earlier (%s)", op.op_id, kind, found)
                return found
            due = op.first_ambiguous_at + self.grace_ms
            if self.clock() < due:
                raise WaitBeforeResend(due)
        send = {
            "note": self._send_note,
            "call": self._send_call,
            "deal": self._send_deal,
            "task": self._send_task,
        }[kind]
        with request_in_flight():
            new_id = send(op)
        crash_point("after_response_before_commit")
        return new_id

    def _send_note(self, op: Op) -> str:
        return self.gateway.create_note(
            marker=op.marker,
            body_html=self._note_html(op),
            timestamp=datetime.fromtimestamp(op.created_at / 1000, UTC),
            owner_id=self.meta.owner_id,
            contact_id=self._contact_id(op.lead_id),
            lead_id=op.lead_id,
        )

    def _send_call(self, op: Op) -> str:
        command = op.command
        assert isinstance(command, LogCall)
        return self.gateway.create_call(
            marker=op.marker,
            body_html=note_to_html(command.note),
            timestamp=command.at,
            owner_id=self.meta.owner_id,
            contact_id=self._contact_id(op.lead_id),
            lead_id=op.lead_id,
            disposition_id=command.outcome_id,
            direction=command.direction,
            duration_ms=command.duration_seconds * 1000 if command.duration_seconds > 0 else None,
            title=self._call_title(op.lead_id, command.outcome_id),
        )

    def _send_deal(self, op: Op) -> str:
        command = op.command
        assert isinstance(command, Qualify) and command.deal is not None
        pipeline, stage = self._deal_pipeline_and_stage()
        return self.gateway.create_deal(
            marker=op.marker,
            name=command.deal.name,
            amount=command.deal.amount,
            close_date=command.deal.close_date,
            pipeline=pipeline,
            stage=stage,
            owner_id=self.meta.owner_id,
            contact_id=self._contact_id(op.lead_id),
            lead_id=op.lead_id,
        )

    def _send_task(self, op: Op) -> str:
        """The recycling follow-up: a task for the rep to re-attempt the contact on the chosen day."""
        command = op.command
        assert isinstance(command, Disqualify) and command.follow_up is not None
        reason = self.meta.option_label(self.meta.disqualification_reasons, command.reason)
        headline = f"Disqualified: {reason}. Re-attempt the contact."
        body = note_to_html(f"{headline}\n\n{command.note}")
        return self.gateway.create_task(
            marker=op.marker,
            subject=f"Re-attempt {self._contact_name(op.lead_id)} (disqualified: {reason})",
            body_html=body if len(body) <= NOTE_HTML_LIMIT else note_to_html(command.note),
            due=follow_up_due(command.follow_up, self.meta.time_zone),
            owner_id=self.meta.owner_id,
            contact_id=self._contact_id(op.lead_id),
            lead_id=op.lead_id,
        )

    def _contact_name(self, lead_id: str) -> str:
        """Who to re-attempt, as the cache knows them: the contact's name or email, else the lead's name."""
        lead = self.store.lead_state(lead_id)
        name = ""
        if lead is not None:
            name = lead.contact_name or lead.contact_email or lead.name
        return one_line(name or f"lead {lead_id}")

    def _call_title(self, lead_id: str, outcome_id: str) -> str:
        """ "Call with NAME: OUTCOME", as HubSpot lists the call: the contact's name (else the lead's)."""
        lead = self.store.lead_state(lead_id)
        name = (lead.contact_name or lead.name) if lead is not None else ""
        outcome = self.meta.disposition_label(outcome_id) or "logged"
        return f"Call with {one_line(name or f'lead {lead_id}')}: {one_line(outcome)}"

    def _note_html(self, op: Op) -> str:
        """The note's HTML: a short line saying what the op did (when it fits), then the rep's text."""
        command = op.command
        text = command.typed
        headline = command.note_headline(self.meta)
        if headline is None:
            return note_to_html(text)
        with_headline = note_to_html(f"{headline}\n\n{text}")
        return with_headline if len(with_headline) <= NOTE_HTML_LIMIT else note_to_html(text)

    # --- lookups ---------------------------------------------------------------------------------

    def _cached_props(self, lead_id: str) -> dict[str, Any]:
        return self.store.lead_properties(lead_id)

    def _cached_gone_reason(self, lead_id: str) -> str | None:
        """Why a create must not go out: the cache knows the lead is archived, deleted or merged.

        A lead reassigned away is not archived (the pull only records its new owner): its notes and
        calls still go."""
        gone = self.store.archived_reason(lead_id)
        return None if gone is None else gone_message(gone)

    def _contact_id(self, lead_id: str) -> str | None:
        """The lead's primary contact: from the cache, else from HubSpot's associations."""
        if lead_id in self._contacts:
            return self._contacts[lead_id]
        contact = self.store.lead_contact_id(lead_id)
        if contact is None:
            links = self.gateway.list_associations("leads", lead_id, "contacts")
            primary = [a for a in links if PRIMARY_CONTACT_TYPE in a.type_ids] or list(links)
            contact = primary[0].to_id if primary else None
        self._contacts[lead_id] = contact
        return contact

    def _deal_pipeline_and_stage(self) -> tuple[str | None, str | None]:
        """The portal's first deal pipeline and its first stage (HubSpot needs a stage on create)."""
        if self._deal_pipeline is None:
            try:
                pipelines = [p for p in self.gateway.pipelines("deals") if not p.archived]
            except (NotFound, Rejected) as exc:
                logger.warning("No deal pipeline could be read (%s); creating the deal without one", exc)
                pipelines = []
            if pipelines:
                stages = [s for s in pipelines[0].stages if not s.archived]
                self._deal_pipeline = (pipelines[0].id, stages[0].id if stages else None)
            else:
                self._deal_pipeline = (None, None)
        return self._deal_pipeline


def one_line(text: str) -> str:
    """Text from HubSpot or the cache for a subject or title: no control characters, one short line."""
    line = " ".join(clean_untrusted(text).split())
    return line if len(line) <= SUBJECT_NAME_CHARS else line[: SUBJECT_NAME_CHARS - 1] + "…"
