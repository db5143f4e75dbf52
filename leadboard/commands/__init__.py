"""The rep's lead commands: log a call, add a note, move a stage, set the lead type, qualify, disqualify.

`registry.py` declares each command once (its kind, words, keys, CLI verb, modal and push steps) and
is light enough for the board's first paint; each command's own module (`log_call.py`, …) holds its
pydantic model and its rule; `base.py` holds what they share and the outbox's (de)serialiser.
"""
