#!/usr/bin/env bash
# Install everything the tests need, then lint and run the whole test suite (offscreen Qt), on
# every core.
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh test
.venv/bin/ruff check .
# one worker per core (pytest-xdist); a test module stays on one worker (its module fixtures once)
.venv/bin/python -m pytest -q -n auto --dist loadfile "$@"
