//! What an outside probe of the API and pages found, each as the behaviour a
//! caller must see: bounds that cannot overflow, control characters refused
//! by field, bodies that are objects, versions that are required and `*`,
//! metrics that never tell when someone acted, and the operations flags.

mod common;

use common::{Db, PASSWORD, TestApp, get_json};
use reqwest::Client;
use serde_json::{Value, json};

/// A workspace whose vision has one scale question `scale` (1–5) besides the
/// template's, and a round on it that Ada (the owner) takes part in.
async fn round_with_a_scale(app: &TestApp) -> (Client, i64, i64, String) {
    let (ada, w) = app.sign_up("Ada", "ada@acme.test").await;
    let vision = get_json(&ada, &app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    let added = ada
        .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
        .json(&json!({
            "version": vision["version"],
            "prompt": "How ready is the platform?",
            "kind": { "type": "scale", "min": 1, "max": 5, "min_label": "not", "max_label": "fully" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let vision: Value = added.json().await.unwrap();
    let key = vision["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"]["type"] == "scale" && q["kind"]["max"] == 5)
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let round: Value = ada
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
        .json(&json!({ "title": "Q1", "participants": [] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let round = round["id"].as_i64().unwrap();
    let sent = ada
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds/{round}/send")))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 204);
    (ada, w, round, key)
}

async fn extreme_scale_bounds_are_refused_and_a_stored_one_still_renders(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w, round, key) = round_with_a_scale(&app).await;
    let vision = get_json(&ada, &app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    // Through the API: `max - min` would overflow; it is refused, not wrapped.
    for (min, max) in [(i64::MIN, i64::MAX), (i64::MAX - 50, i64::MAX), (0, 101)] {
        let response = ada
            .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
            .json(&json!({
                "version": vision["version"],
                "prompt": "An endless scale?",
                "kind": { "type": "scale", "min": min, "max": max, "min_label": "", "max_label": "" }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "scale {min}..{max}");
    }
    // Through the page's form.
    let form = ada
        .post(app.url(&format!("/w/{w}/vision/questions")))
        .form(&[
            ("version", vision["version"].to_string()),
            ("prompt", "An endless scale?".to_owned()),
            ("kind", "scale".to_owned()),
            ("min", i64::MIN.to_string()),
            ("max", i64::MAX.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 422);
    let after = get_json(&ada, &app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    assert_eq!(after["version"], vision["version"], "nothing was written");

    // A scale stored before bounds were checked: the answer page still
    // renders, offering no more than 101 points, and the server lives on.
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(app.database_url())
        .await
        .unwrap();
    let unchecked = format!(
        "UPDATE vision_versions SET questions = REPLACE(questions, '\"min\":1,\"max\":5', \
         '\"min\":{},\"max\":{}')",
        i64::MIN,
        i64::MAX
    );
    let changed = sqlx::Executor::execute(&mut db, unchecked.as_str())
        .await
        .unwrap();
    assert!(changed.rows_affected() > 0);
    for _ in 0..2 {
        let page = ada
            .get(app.url(&format!("/w/{w}/rounds/{round}/answer")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let points = html.matches(&format!("name=\"a_{key}\" value=")).count();
        assert!((1..=101).contains(&points), "{points} points offered");
    }
    app.stop().await;
}

async fn control_characters_are_refused_by_field_and_newlines_kept(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w, round, _) = round_with_a_scale(&app).await;
    // Sign-in with a NUL in the e-mail: a 422 naming the field, by API and form.
    let api = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "ada\u{0}@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 422);
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "email", "{body}");
    let form = app
        .client()
        .post(app.url("/login"))
        .form(&[("email", "ada\u{0}@acme.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 422);
    assert!(form.text().await.unwrap().contains("email"));
    // Sign-up, a token name and an answer deep inside the body.
    let signup = app
        .client()
        .post(app.url("/api/v1/signup"))
        .json(&json!({ "name": "Eve\u{1b}[31m", "email": "eve@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 422);
    let vision = get_json(
        &ada,
        &app.url(&format!("/api/v1/workspaces/{w}/rounds/{round}")),
    )
    .await;
    let text_key = vision["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"]["type"] == "text")
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer_url = app.url(&format!(
        "/api/v1/workspaces/{w}/rounds/{round}/answers/{text_key}"
    ));
    let bad = ada
        .put(&answer_url)
        .json(&json!({ "answer": { "type": "text", "value": "Grow\u{0} fast" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"][0]["field"], "answer.value",
        "{body}"
    );
    // A NUL in a path segment names nothing: a 4xx, never a 500 — each route
    // gets a body it accepts, so the key itself is what is looked up.
    let vision = get_json(&ada, &app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    for (method, path, body) in [
        (
            reqwest::Method::PUT,
            format!("/api/v1/workspaces/{w}/rounds/{round}/answers/a%00b"),
            json!({ "answer": { "type": "text", "value": "x" } }),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/workspaces/{w}/vision/questions/a%00b"),
            json!({ "version": vision["version"], "prompt": "Why is this?", "kind": { "type": "text" } }),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/workspaces/{w}/rounds/{round}/notes/a%00b/1"),
            json!({ "note": "x" }),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/invites/a%00b/accept".to_owned(),
            json!(null),
        ),
    ] {
        let request = ada.request(method, app.url(&path));
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_client_error(), "{path}: {status} {text}");
        assert!(
            !text.contains("unknown field"),
            "{path}: the body was refused first"
        );
    }
    // Paragraphs and tabs are text, not control: they are kept as typed.
    let text = "First, grow.\n\n\tThen\r\nconsolidate.";
    let good = ada
        .put(&answer_url)
        .json(&json!({ "answer": { "type": "text", "value": text } }))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let saved: Value = good.json().await.unwrap();
    assert_eq!(saved["answer"]["value"], text);
    app.stop().await;
}

async fn bodies_versions_and_dates_are_checked_strictly(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w, round, key) = round_with_a_scale(&app).await;
    // An array where an object is expected.
    let array = ada
        .post(app.url("/api/v1/tokens"))
        .json(&json!(["x"]))
        .send()
        .await
        .unwrap();
    assert_eq!(array.status(), 422);
    let tokens = get_json(&ada, &app.url("/api/v1/tokens")).await;
    assert_eq!(tokens["tokens"].as_array().unwrap().len(), 0);
    // Due dates a page cannot show.
    for due in [json!(-1), json!(i64::MIN), json!(i64::MAX), json!(0)] {
        let response = ada
            .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
            .json(&json!({ "title": "Late", "participants": [], "due_at": due }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "due_at {due}");
    }
    // A day that has already ended is refused; today is fine.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let today = now - now % 86_400_000;
    let yesterday = ada
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
        .json(&json!({ "title": "Late", "participants": [], "due_at": today - 86_400_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(yesterday.status(), 422);
    let body: Value = yesterday.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "due_at", "{body}");
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("in the past"),
        "{body}"
    );
    let page = ada
        .post(app.url(&format!("/w/{w}/rounds")))
        .form(&[("title", "Yesterday"), ("due", "2001-01-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("in the past"));
    let page = ada
        .post(app.url(&format!("/w/{w}/rounds")))
        .form(&[("title", "Ancient"), ("due", "0001-01-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    let rounds = get_json(&ada, &app.url(&format!("/api/v1/workspaces/{w}/rounds"))).await;
    assert_eq!(
        rounds["rounds"].as_array().unwrap().len(),
        1,
        "nothing written"
    );

    // A first answer with a stale If-Match while the round is open says so,
    // and does not claim the round was revealed.
    let answer_url = app.url(&format!(
        "/api/v1/workspaces/{w}/rounds/{round}/answers/{key}"
    ));
    let stale = ada
        .put(&answer_url)
        .header("if-match", "\"3\"")
        .json(&json!({ "answer": { "type": "scale", "value": 4 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let message = stale.text().await.unwrap();
    assert!(message.contains("no saved answer"), "{message}");
    assert!(!message.contains("revealed"), "{message}");
    // If-Match: * needs something current to match…
    let any = ada
        .put(&answer_url)
        .header("if-match", "*")
        .json(&json!({ "answer": { "type": "scale", "value": 4 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(any.status(), 412);
    let first = ada
        .put(&answer_url)
        .json(&json!({ "answer": { "type": "scale", "value": 4 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    // …and then matches whatever version is current.
    let any = ada
        .put(&answer_url)
        .header("if-match", "*")
        .json(&json!({ "answer": { "type": "scale", "value": 5 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(any.status(), 200);
    let saved: Value = any.json().await.unwrap();
    assert_eq!(
        (saved["version"].as_i64(), saved["answer"]["value"].as_i64()),
        (Some(2), Some(5))
    );
    let vision_any = ada
        .put(app.url(&format!("/api/v1/workspaces/{w}/vision/pillars")))
        .header("if-match", "*")
        .json(&json!({ "pillars": [{ "name": "Reliability", "weight": 3 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(vision_any.status(), 200);
    let unversioned = ada
        .put(app.url(&format!("/api/v1/workspaces/{w}/vision/pillars")))
        .json(&json!({ "pillars": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(unversioned.status(), 428);

    // A write that takes no body refuses one instead of ignoring it.
    let round_api = app.url(&format!("/api/v1/workspaces/{w}/rounds/{round}"));
    let submit = ada
        .post(format!("{round_api}/submit"))
        .body("random bytes")
        .send()
        .await
        .unwrap();
    assert_eq!(submit.status(), 422);
    let reveal = ada
        .post(format!("{round_api}/reveal"))
        .json(&json!([true]))
        .send()
        .await
        .unwrap();
    assert_eq!(reveal.status(), 422);
    let state = get_json(&ada, &round_api).await;
    assert_eq!(state["state"], "answering", "nothing happened: {state}");

    // The auth scheme is case-insensitive.
    let token: Value = ada
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "ci" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = token["token"].as_str().unwrap();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let me = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("{scheme} {secret}"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200, "{scheme}");
        // Writes too: a token caller needs no Origin, whatever the spelling.
        let write = reqwest::Client::new()
            .post(app.url("/api/v1/tokens"))
            .header("authorization", format!("{scheme} {secret}"))
            .json(&json!({ "name": format!("by {scheme}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(write.status(), 201, "{scheme}");
    }
    app.stop().await;
}

async fn a_gap_edit_must_name_its_version(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w) = app.sign_up("Ada", "ada@acme.test").await;
    let (tom, tom_id) = app.join(&ada, w, "tech_lead", "Tom", "tom@acme.test").await;
    let (round, _) = common::revealed_round(&app, &ada, w, "Q1", &[(&tom, tom_id)], |q, who| {
        common::text_or_offered_ranking(q, if who == 0 { "Grow fast" } else { "Stabilise" })
    })
    .await;
    let round_json = get_json(
        &ada,
        &app.url(&format!("/api/v1/workspaces/{w}/rounds/{round}")),
    )
    .await;
    let key = round_json["questions"][0]["key"].as_str().unwrap();
    let created = ada
        .post(app.url(&format!("/api/v1/workspaces/{w}/gaps")))
        .json(&json!({
            "round_id": round, "question_key": key, "participant_id": tom_id,
            "title": "Growth or stability", "description": "", "severity": "high"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let gap: Value = created.json().await.unwrap();
    let url = app.url(&format!("/api/v1/workspaces/{w}/gaps/{}", gap["id"]));
    for body in [json!({}), json!({ "title": "Overwritten blindly" })] {
        let response = ada.patch(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 428, "{body}");
    }
    let stale = ada
        .patch(&url)
        .header("if-match", "\"7\"")
        .json(&json!({ "title": "Stale title" }))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let any = ada
        .patch(&url)
        .header("if-match", "*")
        .json(&json!({ "title": "Growth or stability first" }))
        .send()
        .await
        .unwrap();
    assert_eq!(any.status(), 200);
    let shown = get_json(&ada, &url).await;
    assert_eq!(shown["title"], "Growth or stability first", "{shown}");
    app.stop().await;
}

async fn what_axum_refuses_itself_has_the_error_envelope(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w) = app.sign_up("Ada", "ada@acme.test").await;
    for path in [
        "/api/v1/workspaces/abc".to_owned(),
        "/api/v1/workspaces/99999999999999999999".to_owned(),
        format!("/api/v1/workspaces/{w}/vision/compare?from=x&to=1"),
    ] {
        let response = ada.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{path}: {body}");
    }
    let method = ada.patch(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(method.status(), 405);
    assert_eq!(method.headers()["allow"], "GET,HEAD");
    let body: Value = method.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    for client in [&ada, &app.client()] {
        let trace = client
            .request(reqwest::Method::TRACE, app.url("/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(trace.status(), 405);
        let body: Value = trace.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    }
    let invalid_utf8 = ada
        .get(app.url("/api/v1/workspaces/%FF"))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_utf8.status(), 400);
    assert_eq!(
        invalid_utf8.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );
    let page = ada.get(app.url("/w/abc")).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    app.stop().await;
}

async fn metrics_never_tell_when_someone_answered(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w, round, key) = round_with_a_scale(&app).await;
    let saved = ada
        .put(app.url(&format!(
            "/api/v1/workspaces/{w}/rounds/{round}/answers/{key}"
        )))
        .json(&json!({ "answer": { "type": "scale", "value": 3 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    // A page save redirects to the answer page: its reads are not told apart.
    let page = ada
        .get(app.url(&format!("/w/{w}/rounds/{round}/answer")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let metrics = common::get_text(&app.client(), &app.url("/metrics")).await;
    assert!(!metrics.contains("{round_id}"), "{metrics}");
    assert!(!metrics.contains("answers"), "{metrics}");
    assert!(!metrics.contains("submit"), "{metrics}");
    assert!(!metrics.contains("method=\"PUT\""), "{metrics}");
    assert!(
        metrics.contains(
            "parallax_http_requests_total{method=\"WRITE\",route=\"(all writes)\",status=\"200\"}"
        ),
        "{metrics}"
    );
    app.stop().await;

    // Operators can keep /metrics to their scraper.
    let app = TestApp::spawn_with(db, |s| s.metrics_token = "scrape-me".into()).await;
    let anonymous = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = app
        .client()
        .get(app.url("/metrics"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let scraper = app
        .client()
        .get(app.url("/metrics"))
        .header("authorization", "bearer scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(scraper.status(), 200);
    assert!(
        scraper
            .text()
            .await
            .unwrap()
            .contains("parallax_text_model_ready")
    );
    app.stop().await;
}

on_both_databases!(
    extreme_scale_bounds_are_refused_and_a_stored_one_still_renders,
    control_characters_are_refused_by_field_and_newlines_kept,
    bodies_versions_and_dates_are_checked_strictly,
    a_gap_edit_must_name_its_version,
    what_axum_refuses_itself_has_the_error_envelope,
    metrics_never_tell_when_someone_answered,
);

/// `parallax migrate --database-url sqlite:PATH` creates a file that does
/// not exist yet, and its log has no colour codes when it is not a terminal.
#[test]
fn a_new_sqlite_file_is_created_and_piped_logs_have_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_parallax"))
        .args(["migrate", "--database-url"])
        .arg(format!("sqlite:{}", path.display()))
        .env("PARALLAX_LOG", "info")
        .env_remove("PARALLAX_CONFIG")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{printed}");
    assert!(path.exists());
    assert!(!printed.is_empty(), "migrate logs what it did");
    assert!(!printed.contains('\u{1b}'), "{printed:?}");
}

/// `parallax mail test --to ADDR` sends one mail through the configured
/// SMTP server and says so; without a server it says what is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_test_sends_one_mail_through_the_configured_server() {
    let smtp = common::smtp::SmtpServer::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let run = |url: String| {
        let dir = dir.path().to_owned();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_parallax"))
                .args(["mail", "test", "--to", "ops@acme.test"])
                .env("PARALLAX_SMTP_URL", url)
                .env_remove("PARALLAX_CONFIG")
                .current_dir(dir)
                .output()
                .unwrap()
        })
    };
    let sent = run(smtp.url.clone()).await.unwrap();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(String::from_utf8_lossy(&sent.stdout).contains("sent to ops@acme.test"));
    let mails = smtp.wait_for(1).await;
    assert!(mails[0].contains("To: ops@acme.test") && mails[0].contains("the mail settings work"));
    let unset = run(String::new()).await.unwrap();
    assert_eq!(unset.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unset.stderr).contains("smtp_url is not set"));
}

/// `parallax jobs` shows the background work by state, and a mail the
/// outbox gave up on with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_shows_mail_by_state_and_what_failed() {
    // A server that refuses every attempt for now: the mail is given up.
    let smtp = common::smtp::SmtpServer::start(usize::MAX).await;
    let app = common::TestApp::spawn_with(common::Db::Sqlite, |s| {
        s.smtp_url = smtp.url.clone();
        s.mail_retry_seconds = 0;
    })
    .await;
    app.sign_up("Lena", "lena@acme.test").await;
    app.server
        .app
        .request_password_reset("lena@acme.test")
        .await
        .unwrap();
    let store = app.server.app.store();
    for _ in 0..200 {
        if !store.failed_mail().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let database_url = app.database_url().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_parallax"))
            .args(["jobs", "--database-url", &database_url])
            .env_remove("PARALLAX_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("mail           failed     1"), "{printed}");
    assert!(
        printed.contains("(password_reset) to lena@acme.test after 8 attempts")
            && printed.contains("451"),
        "{printed}"
    );
    app.stop().await;
}
