"""The `leadboard` command line: `main.py` wires the subcommands to click, `launch.py` opens the
board and the demo, `credentials.py` keeps the token, and one module per group of subcommands holds
their bodies: `common` (shared options, output and exit codes), `leads` (the listing and the verbs of
the rep's lead commands), `sync` (sync and status), `describe` (how a queued change reads) and
`doctor`. "Commands" alone means the rep's lead commands (`leadboard.commands`).
"""
