#!/usr/bin/env bash
# Install everything and start 回访通 (a demo database is created when there is none).
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh
exec .venv/bin/huifang --demo "$@"
