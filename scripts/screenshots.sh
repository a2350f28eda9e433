#!/usr/bin/env bash
# Photographs the demo's main pages at desktop and phone width into
# docs/screenshots/, through the accessibility walk of the browser tests
# (tests/browser/pages.test.mjs). Run scripts/test.sh once first: it installs
# Chromium, playwright-core, axe-core and the text model.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parallax/target}"
export PARALLAX_MODEL_DIR="${PARALLAX_MODEL_DIR:-$HOME/.cache/parallax/models/all-MiniLM-L6-v2}"
out="$(pwd)/docs/screenshots"
mkdir -p "$out"
PARALLAX_SCREENSHOTS="$out" cargo test -q -p parallax --test browser pages_are_accessible_and_fit_a_phone
ls "$out"
