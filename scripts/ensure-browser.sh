#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the browser tests (Playwright drives /usr/bin/chromium;
# we never download a browser with `playwright install`). Safe to run again; used by `make test`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "ensure-browser: installing chromium (for the browser tests)"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
test -x "$CHROMIUM" || { echo "ensure-browser: $CHROMIUM is still missing after apt-get install chromium" >&2; exit 1; }
echo "ensure-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) is installed"
