#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite (real FUSE mounts and a
# real headless browser included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The removal worksheet is checked in a real browser: Debian's chromium.
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "test: installing chromium (headless browser for the worksheet test)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/python -m pytest -q "$@"
