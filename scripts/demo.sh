#!/usr/bin/env bash
# Builds Parallax and starts it on the embedded SQLite default with a demo
# workspace, printing the URL and the demo logins. Data goes to ./data/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parallax/target}"
cargo build --release -p parallax
exec "$CARGO_TARGET_DIR/release/parallax" serve --demo --data-dir "${PARALLAX_DEMO_DIR:-data/demo}" "$@"
