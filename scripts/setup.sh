#!/usr/bin/env bash
# Installs everything photofs needs on Debian/Ubuntu (as root) or any machine
# that already has Python 3.11+ and libfuse: system packages, then a virtualenv
# in .venv with photofs and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v fusermount3 >/dev/null || need_apt+=(fuse3)
ldconfig -p 2>/dev/null | grep -q 'libfuse3\.so\.3' || need_apt+=(libfuse3-3)
ldconfig -p 2>/dev/null | grep -q 'libfuse\.so\.2' || need_apt+=(libfuse2)
if ((${#need_apt[@]})); then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "setup: installing system packages: ${need_apt[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # Debian 12 names it libfuse2, Debian 13 libfuse2t64.
        pkgs=()
        for p in "${need_apt[@]}"; do
            if [ "$p" = libfuse2 ] && ! apt-cache show libfuse2 >/dev/null 2>&1; then p=libfuse2t64; fi
            pkgs+=("$p")
        done
        apt-get install -y -qq "${pkgs[@]}" python3-pip >/dev/null
    else
        echo "setup: please install: ${need_apt[*]} (apt-get as root, or your system's package manager)" >&2
        exit 1
    fi
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "setup: photofs needs Python 3.11 or newer; found $(python3 --version)" >&2; exit 1; }

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# Put `photofs` on PATH, so a new shell (and the demo's own hints) can run it: as
# root, a link in /usr/local/bin, replacing only a link of ours (or an old clone's).
exe="$(pwd)/.venv/bin/photofs"
bin_dir="${PHOTOFS_BIN_DIR:-/usr/local/bin}"
link="$bin_dir/photofs"
if [ "$(id -u)" = 0 ] && [ -d "$bin_dir" ] && { [ ! -e "$link" ] || [ -L "$link" ]; } \
        && { [ ! -L "$link" ] || [[ "$(readlink "$link")" == */.venv/bin/photofs ]]; }; then
    ln -sfn "$exe" "$link"
    echo "setup: photofs installed in $(pwd)/.venv and linked as $link"
elif command -v photofs >/dev/null && [ "$(command -v photofs)" -ef "$exe" ]; then
    echo "setup: photofs installed in $(pwd)/.venv (on your PATH)"
else
    echo "setup: photofs installed as $exe"
    echo "  to run it as \`photofs\`, add this line to your shell's profile:"
    echo "    export PATH=\"$(pwd)/.venv/bin:\$PATH\""
fi
