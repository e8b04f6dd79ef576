#!/usr/bin/env bash
# Install everything and start 回访通 on the demo database (huifang-demo.db beside the real one,
# filled on first start; the real huifang.db is never given demo data).
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-deps.sh
scripts/venv.sh
exec .venv/bin/huifang --demo "$@"
