#!/usr/bin/env bash
# Builds the web dashboard's page: npm ci in dashboard/ (the packages pinned in its lockfile)
# and the esbuild bundle into dashboard/dist/ (index.html, app.js, app.css), which `parzen
# dashboard` serves. scripts/test.sh and scripts/demo.sh call it (scripts/lib.sh: build_dashboard).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
build_dashboard
