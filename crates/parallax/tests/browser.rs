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

/// Runs one scenario file against a fresh server, on the demo workspace
/// analysed by the text model when `demo` is set; fails loudly when the browser tooling is missing
/// (scripts/test.sh installs it).
async fn scenario(db: Db, file: &str, demo: bool) {
    let dir = browser_dir();
    for package in ["playwright-core", "axe-core"] {
        assert!(
            dir.join("node_modules").join(package).exists(),
            "{package} is not installed in tests/browser: run scripts/test.sh (or `npm install` there)"
        );
    }
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium not found at {chromium}: run scripts/test.sh (it installs Debian's chromium)"
    );
    let app = TestApp::spawn_with(db, |s| s.open_signup = false).await;
    if demo {
        let dir = std::env::var("PARALLAX_MODEL_DIR").expect(
            "PARALLAX_MODEL_DIR must name the installed model (scripts/test.sh installs it)",
        );
        let model = tokio::task::spawn_blocking(move || {
            parallax_minilm::MiniLm::load(std::path::Path::new(&dir)).expect("model loads")
        })
        .await
        .unwrap();
        app.server
            .app
            .set_embedder(std::sync::Arc::new(model))
            .await
            .unwrap();
        assert!(parallax::demo::seed(&app.server.app).await.unwrap());
    }
    let logins: Vec<_> = parallax::demo::LOGINS
        .iter()
        .map(|l| serde_json::json!({"email": l.email, "password": l.password}))
        .collect();
    let logins = serde_json::to_string(&logins).unwrap();
    let base = app.base.clone();
    let file = file.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("--test")
            .arg("--test-reporter=spec")
            .arg(&file)
            .current_dir(&dir)
            .env("PARALLAX_URL", base)
            .env("PARALLAX_DEMO_LOGINS", logins)
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
    scenario(db, "foundation.test.mjs", false).await;
}

async fn rounds(db: Db) {
    scenario(db, "rounds.test.mjs", false).await;
}

async fn gaps(db: Db) {
    scenario(db, "gaps.test.mjs", false).await;
}

on_both_databases!(foundation, rounds, gaps);

/// Accessibility and phone layout of every main page: what the pages show
/// does not depend on the database, so SQLite alone carries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_accessible_and_fit_a_phone() {
    scenario(Db::Sqlite, "pages.test.mjs", true).await;
}
