//! Browser tests: the real server, driven by headless Chromium (Debian's
//! package) through playwright-core. The scenarios live in `tests/browser/`
//! at the workspace root; this file starts a server per scenario and
//! database and runs them.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Db, TestApp};

/// The scenarios of the checkout being tested. Read at run time (cargo and
/// nextest set the variable for each test): a path baked in at compile time
/// would point at whichever checkout built a reused binary.
fn browser_dir() -> PathBuf {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test or nextest");
    PathBuf::from(crate_dir).join("../../tests/browser")
}

/// Runs one scenario file against a fresh server; fails loudly when the
/// browser tooling is missing (scripts/test.sh installs it).
async fn scenario(db: Db, file: &str) {
    let dir = browser_dir();
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed in tests/browser: run scripts/test.sh (or `npm install` there)"
    );
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium not found at {chromium}: run scripts/test.sh (it installs Debian's chromium)"
    );
    let app = TestApp::spawn_with(db, |s| s.open_signup = false).await;
    let base = app.base.clone();
    let file = file.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("--test")
            .arg("--test-reporter=spec")
            .arg(&file)
            .current_dir(&dir)
            .env("PARALLAX_URL", base)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser scenario failed:\n{stdout}\n{stderr}"
    );
    app.stop().await;
}

async fn foundation(db: Db) {
    scenario(db, "foundation.test.mjs").await;
}

async fn rounds(db: Db) {
    scenario(db, "rounds.test.mjs").await;
}

async fn gaps(db: Db) {
    scenario(db, "gaps.test.mjs").await;
}

on_both_databases!(foundation, rounds, gaps);
