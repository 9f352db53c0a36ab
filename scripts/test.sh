#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite (real FUSE mounts and a
# real headless browser included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Real clients the tests drive: chromium (the removal worksheet), litmus (the
# WebDAV test suite) and davfs2 (a real WebDAV mount).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v litmus >/dev/null || missing+=(litmus)
command -v mount.davfs >/dev/null || missing+=(davfs2)
if ((${#missing[@]})) && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "test: installing ${missing[*]} (real clients for the tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec .venv/bin/python -m pytest -q "$@"
