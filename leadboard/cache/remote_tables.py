"""Writers for the remote tables: HubSpot's objects as they are now, written by the pull (and by the
push from HubSpot's responses), never by the rep's commands. Mixed into `Store`, together with the
few lookups the sync needs, so that no module outside the store knows the schema.

Text is cleaned on the way in (`clean_untrusted`), note and call bodies are turned from HTML into
plain text, and each lead carries a copy of its contact and company summary plus a casefolded
search key, so the board reads a single table (see read_model.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from sqlite_utils import Database

from leadboard.cache.lead_columns import deadline_columns, refresh_lead_columns, stored_settings
from leadboard.note_html import html_to_text
from leadboard.op_markers import markers_in, strip_marker
from leadboard.sla import SOURCE_PROPERTY
from leadboard.state import Lead, parse_hubspot_time
from leadboard.text import clean_untrusted


def now_ms() -> int:
    return int(time.time() * 1000)


def ms(value: Any) -> int | None:
    """A datetime (or None) as epoch milliseconds: how every timestamp column is stored, so it sorts."""
    if value is None:
        return None
    return int(value.timestamp() * 1000)


class LeadVersion(NamedTuple):
    """What the pull compares to tell a changed lead from one the cache already holds as it is."""

    last_modified_at: int | None
    owner_id: str | None
    archived: bool
    gone_reason: str | None


class RemoteTables:
    """Methods `Store` gets for writing HubSpot's data; each call is one transaction."""

    db: Database

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def upsert_leads(self, objects: Iterable[Mapping[str, Any]]) -> int:
        """Store HubSpot lead objects (`{"id", "properties", ...}`) as they are now in HubSpot.

        Contact and company links are kept unless the object names a primary contact. Each lead's SLA
        deadline (under the stored SLA settings) and first touch are brought up to date. Returns the count.
        """
        fetched = now_ms()
        rows: list[dict[str, Any]] = []
        sources: list[str | None] = []
        for obj in objects:
            lead = Lead.from_hubspot(obj)
            contact_name = " ".join(n for n in (lead.contact_first_name, lead.contact_last_name) if n) or None
            row: dict[str, Any] = {
                "id": lead.id,
                "name": lead.name,
                "name_fold": lead.name.casefold(),
                "assoc_contact_name": contact_name,
                "assoc_contact_email": lead.contact_email,
                "assoc_company_name": lead.company_name,
                "pipeline_id": lead.pipeline_id,
                "stage_id": lead.stage_id,
                "lead_type": lead.lead_type,
                "label": lead.label,
                "owner_id": lead.owner_id,
                "created_at": ms(lead.created_at),
                "last_modified_at": ms(lead.last_modified_at),
                "first_outreach_at": ms(lead.first_outreach_at),
                "last_activity_at": ms(lead.last_activity_at),
                "disqualification_reason": lead.disqualification_reason,
                "disqualification_note": lead.disqualification_note,
                "archived": int(lead.archived),
                "gone_reason": None,
                "props_json": json.dumps(obj.get("properties") or {}),
                "fetched_at": fetched,
            }
            if lead.primary_contact_id:
                row["contact_id"] = lead.primary_contact_id
            rows.append(row)
            sources.append(_source(obj.get("properties") or {}))
        with self.transaction() as conn:
            facts = ((r["created_at"], r["label"], source) for r, source in zip(rows, sources, strict=True))
            for row, (deadline, allowance) in zip(
                rows, deadline_columns(facts, stored_settings(conn)), strict=True
            ):
                row["sla_deadline"], row["sla_allowance"] = deadline, allowance
            self._upsert("leads", rows)
            ids = json.dumps([r["id"] for r in rows])
            self._refresh_summaries("id IN (SELECT value FROM json_each(:ids))", [r["id"] for r in rows])
            refresh_lead_columns(conn, "id IN (SELECT value FROM json_each(?))", [ids])
        return len(rows)

    def _refresh_summaries(self, where: str, ids: list[str]) -> None:
        for statement in _REFRESH_SUMMARY.format(where=where).split(";"):
            if statement.strip():
                self.db.conn.execute(statement, {"ids": json.dumps(ids)})

    def _upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Upsert rows that may carry different column sets (each set in its own batch)."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_columns.setdefault(tuple(row), []).append(row)
        for batch in by_columns.values():
            self.db[table].upsert_all(batch, pk="id")  # type: ignore[union-attr]

    def upsert_contacts(
        self, objects: Iterable[Mapping[str, Any]], company_ids: Mapping[str, str] | None = None
    ) -> int:
        """Store HubSpot contacts; `company_ids` maps contact id → primary company id when known."""
        fetched, rows = now_ms(), []
        for obj in objects:
            p = obj.get("properties") or {}
            text = {k: _clean(p.get(k)) for k in ("firstname", "lastname", "email", "phone", "jobtitle")}
            row: dict[str, Any] = {
                "id": str(obj["id"]),
                "first_name": text["firstname"],
                "last_name": text["lastname"],
                "email": text["email"],
                "phone": text["phone"],
                "job_title": text["jobtitle"],
                "search_fold": " ".join(v for v in text.values() if v).casefold(),
                "props_json": json.dumps(p),
                "fetched_at": fetched,
            }
            if company_ids and str(obj["id"]) in company_ids:
                row["company_id"] = company_ids[str(obj["id"])]
            rows.append(row)
        with self.transaction():
            self._upsert("contacts", rows)
            self._refresh_summaries(
                "contact_id IN (SELECT value FROM json_each(:ids))", [r["id"] for r in rows]
            )
        return len(rows)

    def upsert_companies(self, objects: Iterable[Mapping[str, Any]]) -> int:
        fetched, rows = now_ms(), []
        for obj in objects:
            p = obj.get("properties") or {}
            name = _clean(p.get("name"))
            rows.append(
                {
                    "id": str(obj["id"]),
                    "name": name,
                    "domain": _clean(p.get("domain")),
                    "name_fold": (name or "").casefold(),
                    "props_json": json.dumps(p),
                    "fetched_at": fetched,
                }
            )
        with self.transaction():
            self._upsert("companies", rows)
            self._refresh_summaries(
                "company_id IN (SELECT value FROM json_each(:ids)) OR contact_id IN "
                "(SELECT id FROM contacts WHERE company_id IN (SELECT value FROM json_each(:ids)))",
                [str(r["id"]) for r in rows],
            )
        return len(rows)

    def link_leads(self, links: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Set each lead's primary contact and company: `(lead_id, contact_id, company_id)`.

        Also records contact → lead, so a returning contact's earlier leads can be listed.
        """
        links = list(links)
        with self.transaction() as conn:
            for lead_id, contact_id, company_id in links:
                conn.execute(
                    "UPDATE leads SET contact_id = ?, company_id = ? WHERE id = ?",
                    [contact_id, company_id, lead_id],
                )
                if contact_id:
                    conn.execute("INSERT OR IGNORE INTO contact_leads VALUES (?, ?)", [contact_id, lead_id])
            self._refresh_summaries("id IN (SELECT value FROM json_each(:ids))", [link[0] for link in links])

    def link_contact_leads(self, contact_id: str, lead_ids: Iterable[str]) -> None:
        """Record every lead HubSpot associates with a contact (its earlier leads included)."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO contact_leads VALUES (?, ?)", [(contact_id, lid) for lid in lead_ids]
            )

    def mark_leads_gone(self, reasons: Mapping[str, str]) -> None:
        """Leads HubSpot no longer lists for me: `{lead_id: "archived" | "merged into 123" | ...}`.

        An archived lead leaves the board; the reason is shown to the rep for ops it blocks.
        """
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE leads SET archived = 1, gone_reason = ? WHERE id = ?",
                [(reason, lead_id) for lead_id, reason in reasons.items()],
            )

    def upsert_activities(
        self, kind: str, objects: Iterable[Mapping[str, Any]], lead_id: str | None, contact_id: str | None
    ) -> int:
        """Store calls, notes or tasks (`kind` "call" / "note" / "task") of a lead's timeline; bodies
        become clean text."""
        rows = _activity_rows(kind, objects, lead_id, contact_id)
        with self.transaction() as conn:
            self._upsert("activities", rows)
            refresh_lead_columns(
                conn,
                "id IN (SELECT lead_id FROM activities WHERE id IN (SELECT value FROM json_each(?)))",
                [json.dumps([r["id"] for r in rows])],
            )
        return len(rows)

    def replace_timeline(
        self,
        kind: str,
        lead_id: str,
        contact_id: str | None,
        objects: Iterable[Mapping[str, Any]],
        *,
        on_lead: Collection[str],
        on_contact: Collection[str],
    ) -> int:
        """Make the cache hold exactly `objects` as the `kind` ("call" / "note" / "task") activities of
        the lead and of its contact; return how many were stored.

        `on_lead` / `on_contact` are the ids HubSpot associates with the lead / the contact. Bodies are
        stored as clean text without the trailing `lb:<op id>` marker the push appends (the raw
        properties keep it, so an op can still be matched to what it created). Cached activities of
        this kind on the lead or its contact that are not in `objects` are deleted: HubSpot no longer
        links them.
        """
        objects = list(objects)
        stored = 0
        with self.transaction() as conn:
            for lead_link, contact_link in ((True, True), (True, False), (False, True)):
                group = [
                    o
                    for o in objects
                    if (str(o["id"]) in on_lead) == lead_link and (str(o["id"]) in on_contact) == contact_link
                ]
                if not group:
                    continue
                rows = _activity_rows(
                    kind, group, lead_id if lead_link else None, contact_id if contact_link else None
                )
                for row, obj in zip(rows, group, strict=True):
                    body = (obj.get("properties") or {}).get(_body_property(kind))
                    if markers_in(body):
                        row["body_text"] = strip_marker(html_to_text(strip_marker(str(body))))
                self._upsert("activities", rows)
                stored += len(rows)
            conn.execute(
                "DELETE FROM activities WHERE kind = ? "
                "AND (lead_id = ? OR (? IS NOT NULL AND contact_id = ?)) "
                "AND id NOT IN (SELECT value FROM json_each(?))",
                [kind, lead_id, contact_id, contact_id, json.dumps([str(o["id"]) for o in objects])],
            )
            refresh_lead_columns(conn, "id = ?", [lead_id])
        return stored

    def set_contact_companies(self, companies: Mapping[str, str]) -> None:
        """Record each contact's company (`{contact_id: company_id}`) learnt from an association read,
        and refresh the summary of the leads that show it through their contact."""
        if not companies:
            return
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE contacts SET company_id = ? WHERE id = ?",
                [(company_id, contact_id) for contact_id, company_id in companies.items()],
            )
            self._refresh_summaries("contact_id IN (SELECT value FROM json_each(:ids))", list(companies))

    def mark_leads_reassigned(self, new_owners: Mapping[str, str]) -> None:
        """Leads HubSpot now gives another owner: `{lead_id: new owner id, or "" for none}`.

        The lead keeps its row with the new owner (so it leaves the board) and a `gone_reason`
        "reassigned to <name, email or id>" that the rep sees on any op it blocks.
        """
        if not new_owners:
            return
        names = self._owner_names(set(new_owners.values()) - {""})
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE leads SET owner_id = ?, gone_reason = ? WHERE id = ?",
                [
                    (owner or None, f"reassigned to {names.get(owner) or _unowned(owner)}", lead_id)
                    for lead_id, owner in new_owners.items()
                ],
            )
            ids = json.dumps(list(new_owners))
            refresh_lead_columns(conn, "id IN (SELECT value FROM json_each(?))", [ids])

    def _owner_names(self, owner_ids: Collection[str]) -> dict[str, str]:
        """The cached owners' full names (else emails), by id; owners with neither are left out."""
        names: dict[str, str] = {}
        for owner_id, first, last, email in self.db.conn.execute(
            "SELECT id, first_name, last_name, email FROM owners "
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(owner_ids))],
        ):
            name = " ".join(p for p in (first, last) if p) or email
            if name:
                names[str(owner_id)] = name
        return names

    # --- lookups for the sync ---------------------------------------------------------------------

    def lead_versions(self, lead_ids: Iterable[str]) -> dict[str, LeadVersion]:
        """The cached version of each of these leads that the cache holds, by id."""
        return {
            str(r[0]): LeadVersion(r[1], r[2], bool(r[3]), r[4])
            for r in self.db.conn.execute(
                "SELECT id, last_modified_at, owner_id, archived, gone_reason FROM leads "
                "WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(list(lead_ids))],
            )
        }

    def owned_lead_ids(self, owner_id: str) -> set[str]:
        """Ids of the cached leads `owner_id` owns that have not left (archived, reassigned, ...)."""
        rows = self.db.conn.execute(
            "SELECT id FROM leads WHERE owner_id = ? AND archived = 0 AND gone_reason IS NULL", [owner_id]
        )
        return {str(r[0]) for r in rows}

    def lead_contact_id(self, lead_id: str) -> str | None:
        """The lead's primary contact as last pulled (None when unknown or the lead is not cached)."""
        row = self.db.conn.execute("SELECT contact_id FROM leads WHERE id = ?", [lead_id]).fetchone()
        return str(row[0]) if row and row[0] else None

    def lead_properties(self, lead_id: str) -> dict[str, Any]:
        """HubSpot's raw properties of the lead as last pulled ({} when it is not cached)."""
        row = self.db.conn.execute("SELECT props_json FROM leads WHERE id = ?", [lead_id]).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def archived_reason(self, lead_id: str) -> str | None:
        """Why the cached lead is closed in HubSpot ("archived", "deleted", "merged into 123"), or None
        when it is not (a lead reassigned away is not archived: it still exists in HubSpot)."""
        sql = "SELECT archived, gone_reason FROM leads WHERE id = ?"
        row = self.db.conn.execute(sql, [lead_id]).fetchone()
        if row is None or not row[0]:
            return None
        return str(row[1] or "archived")


def fold(value: str | None) -> str | None:
    """Unicode caseless form for the board's filter (SQLite's lower() only knows ASCII)."""
    return None if value is None else value.casefold()


# Copy the contact and company summary onto leads, so the board reads one table (see read_model.py).
_REFRESH_SUMMARY = """
UPDATE leads SET
  contact_name = coalesce(
    (SELECT nullif(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), '')
     FROM contacts c WHERE c.id = leads.contact_id), assoc_contact_name),
  contact_email = coalesce(
    (SELECT c.email FROM contacts c WHERE c.id = leads.contact_id), assoc_contact_email),
  company_name = coalesce((SELECT co.name FROM companies co WHERE co.id = coalesce(leads.company_id,
                            (SELECT c.company_id FROM contacts c WHERE c.id = leads.contact_id))),
                          assoc_company_name)
WHERE {where};
UPDATE leads SET search_fold = lb_fold(name || ' ' || coalesce(contact_name, '') || ' '
                                       || coalesce(contact_email, '') || ' ' || coalesce(company_name, ''))
WHERE {where};
"""


def _source(properties: Mapping[str, Any]) -> str | None:
    """The lead's entry source (for its SLA) from its raw properties."""
    value = properties.get(SOURCE_PROPERTY)
    return None if value in (None, "") else str(value)


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_untrusted(str(value)).strip()


def _unowned(owner_id: str) -> str:
    return f"another owner ({owner_id})" if owner_id else "no owner"


#: Each timeline kind's body and title properties (a task's title is its subject).
_BODY_PROPERTY = {
    "call": "hs_call_body",
    "note": "hs_note_body",
    "task": "hs_task_body",
    "email": "hs_email_html",
    "meeting": "hs_meeting_body",
}
_TITLE_PROPERTY = {
    "call": "hs_call_title",
    "task": "hs_task_subject",
    "email": "hs_email_subject",
    "meeting": "hs_meeting_title",
}


def _body_property(kind: str) -> str:
    return _BODY_PROPERTY[kind]


def _activity_rows(
    kind: str, objects: Iterable[Mapping[str, Any]], lead_id: str | None, contact_id: str | None
) -> list[dict[str, Any]]:
    """Activity rows from HubSpot calls, notes, tasks, emails or meetings; a None link leaves the stored
    one as it is. An email's body is its HTML (else its plain text) and `direction` its
    `hs_email_direction` (EMAIL sent, INCOMING_EMAIL a reply).

    A task's `timestamp` is when it is due (HubSpot's `hs_timestamp`), its `title` the subject and
    its `status` HubSpot's `hs_task_status` (NOT_STARTED, COMPLETED, …)."""
    fetched, rows = now_ms(), []
    for obj in objects:
        p = obj.get("properties") or {}
        timestamp = parse_hubspot_time(p.get("hs_timestamp") or obj.get("createdAt"))
        duration = p.get("hs_call_duration")
        row: dict[str, Any] = {
            "id": str(obj["id"]),
            "kind": kind,
            "timestamp": ms(timestamp),
            "body_text": html_to_text(str(p.get(_body_property(kind)) or p.get("hs_email_text") or "")),
            "title": _clean(p.get(_TITLE_PROPERTY[kind])) if kind in _TITLE_PROPERTY else None,
            "status": _clean(p.get("hs_task_status")) if kind == "task" else None,
            "direction": _clean(p.get("hs_email_direction" if kind == "email" else "hs_call_direction")),
            "disposition_id": _clean(p.get("hs_call_disposition")),
            "duration_ms": int(float(duration)) if duration not in (None, "") else None,
            "owner_id": _clean(p.get("hubspot_owner_id")),
            "props_json": json.dumps(p),
            "fetched_at": fetched,
        }
        if lead_id is not None:
            row["lead_id"] = lead_id
        if contact_id is not None:
            row["contact_id"] = contact_id
        rows.append(row)
    return rows
