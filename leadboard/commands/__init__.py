"""The bodies of the scriptable `leadboard` commands; `leadboard/cli.py` wires them to click.

Kept apart from cli.py so the wiring stays readable and each command's logic is a short module:
`common` (shared options, output and exit codes), `leads` (listing and the lead commands),
`sync` (sync and status) and `doctor`.
"""
