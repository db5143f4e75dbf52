#!/usr/bin/env bash
# Run the UI tests against the newest Textual that resolves, in a throwaway virtualenv, so a new
# Textual release is tried before the pin's range lets it in (or to see what breaks the day it does).
#
#   scripts/textual_latest.sh              # the newest Textual the project's range allows
#   scripts/textual_latest.sh 'textual==8.2.0'   # or any requirement, e.g. the range's lower bound
#
# Extra pytest arguments go in PYTEST_ARGS (default: -n 2). The venv is removed on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirement="${1:-textual}"
python="${PYTHON:-python3}"
venv="$(mktemp -d -t leadboard-textual-XXXXXX)"
trap 'rm -rf "$venv"' EXIT

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
cd "$root"
# --upgrade on Textual alone: the newest release the project's own range allows, the rest as pinned.
"$venv/bin/python" -m pip install --quiet -e '.[dev]' --upgrade "$requirement"

echo "Textual $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("textual"))')"
# shellcheck disable=SC2086  # PYTEST_ARGS is a list of words
PYTHONPATH="$root" "$venv/bin/python" -m pytest -p no:cacheprovider ${PYTEST_ARGS:--n 2} tests/ui
