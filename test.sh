#!/usr/bin/env bash
# Install everything the tests need, then lint and run the whole test suite (offscreen Qt).
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
