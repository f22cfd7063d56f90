#!/usr/bin/env bash
# The README's test command, and CI's: sets up the project's own .venv (never the system's Python), Debian's chromium
# for the browser tests (never `playwright install`) and Debian's caddy for the proxy test, then runs pytest on every
# core.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m app.launcher --install-only
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}" >/dev/null; fi
fi
exec .venv/bin/python -m pytest -n auto --dist worksteal "$@"
