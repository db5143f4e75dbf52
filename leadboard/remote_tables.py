"""Writers for the remote tables: HubSpot's objects as they are now, written by the pull (and by the
push from HubSpot's responses), never by the rep's commands. Mixed into `Store`.

Text is cleaned on the way in (`clean_untrusted`), note and call bodies are turned from HTML into
plain text, and each lead carries a copy of its contact and company summary plus a casefolded
search key, so the board reads a single table (see read_model.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlite_utils import Database

from leadboard.state import Lead, parse_hubspot_time
from leadboard.text import clean_untrusted, html_to_text


def now_ms() -> int:
    return int(time.time() * 1000)


def ms(value: Any) -> int | None:
    """A datetime (or None) as epoch milliseconds: how every timestamp column is stored, so it sorts."""
    if value is None:
        return None
    return int(value.timestamp() * 1000)


class RemoteTables:
    """Methods `Store` gets for writing HubSpot's data; each call is one transaction."""

    db: Database

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def upsert_leads(self, objects: Iterable[Mapping[str, Any]]) -> int:
        """Store HubSpot lead objects (`{"id", "properties", ...}`) as they are now in HubSpot.

        Contact and company links are kept unless the object names a primary contact. Returns the count.
        """
        fetched = now_ms()
        rows = []
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
        with self.transaction():
            self._upsert("leads", rows)
            self._refresh_summaries("id IN (SELECT value FROM json_each(:ids))", [r["id"] for r in rows])
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
        """Store calls or notes (`kind` "call" / "note") of a lead's timeline; bodies become clean text."""
        fetched, rows = now_ms(), []
        prefix = "hs_call_" if kind == "call" else "hs_note_"
        for obj in objects:
            p = obj.get("properties") or {}
            timestamp = parse_hubspot_time(p.get("hs_timestamp") or obj.get("createdAt"))
            duration = p.get("hs_call_duration")
            row: dict[str, Any] = {
                "id": str(obj["id"]),
                "kind": kind,
                "timestamp": ms(timestamp),
                "body_text": html_to_text(str(p.get(f"{prefix}body") or "")),
                "title": _clean(p.get("hs_call_title")),
                "direction": _clean(p.get("hs_call_direction")),
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
        with self.transaction():
            self._upsert("activities", rows)
        return len(rows)


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


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_untrusted(str(value)).strip()
