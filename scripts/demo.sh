#!/usr/bin/env bash
# One command from a fresh clone to a mounted sample library.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mnt="${1:-/tmp/photofs-demo}"
.venv/bin/photofs demo "$mnt"
