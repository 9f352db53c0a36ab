#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite (real FUSE mounts included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
