"""The local SQLite cache: `store.py` (the one connection and its transactions), `schema.py` (the
migrations), `remote_tables.py` (HubSpot's rows as last pulled), `lead_columns.py` (derived SLA
columns), `outbox.py` (the rep's changes, exactly once), `read_model.py` (remote rows with the rep's
open changes applied), `thread.py` (the board's reads off the UI thread) and `stats.py` (the rep's
funnel). Nothing here imports Textual or the HubSpot client.
"""
