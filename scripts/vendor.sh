#!/usr/bin/env bash
# Copy the front-end files the pages need from node_modules (installed by `npm ci`) to static/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
