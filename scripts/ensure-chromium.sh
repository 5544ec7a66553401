#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright; Playwright never downloads a browser here.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
