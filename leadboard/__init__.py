"""leadboard: a terminal lead board for HubSpot Leads.

Kept import-free on purpose: `import leadboard` must stay cheap and must not pull in Textual,
so the CLI, the sync engine and the sandbox can start without the UI.
"""

__version__ = "0.1.0"
