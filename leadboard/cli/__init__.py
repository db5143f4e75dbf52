"""The `leadboard` command line: `main.py` wires the commands to click, `launch.py` opens the board
and the demo, `credentials.py` keeps the token, and one module per group of commands holds their
bodies: `common` (shared options, output and exit codes), `leads` (the listing and the rep's lead
commands), `sync` (sync and status), `describe` (how a queued change reads) and `doctor`.
"""
