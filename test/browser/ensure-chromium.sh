#!/bin/sh
# The browser tests drive Chromium with playwright-core (no browser download): Debian's
# chromium package, installed here when it is missing, or any Chromium named by
# CHROMIUM_PATH. Runs before `npm test` (the pretest script).
set -eu

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] && exit 0
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi
[ -x /usr/bin/chromium ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Chromium not found: installing Debian's chromium for the browser tests"
  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }
  exit 0
fi

echo "The browser tests need Chromium: install Debian's package (sudo apt-get install chromium)" >&2
echo "or point CHROMIUM_PATH at a Chromium or Chrome executable." >&2
exit 1
