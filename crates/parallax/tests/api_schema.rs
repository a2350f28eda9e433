//! Property-based API testing: Schemathesis reads `/api/openapi.json` and
//! throws generated requests — valid ones and invalid ones — at every
//! operation of a live server with realistic data, once per role. It fails on
//! any server error, any response the document does not describe (status,
//! content type, headers, body schema), any invalid request that is not
//! refused with a 4xx, and any answer of an unrevealed round returned to
//! anyone (`no_blind_answer` in `tests/schemathesis/parallax_hooks.py`).
//!
//! Schemathesis comes from the Python package index; `scripts/test.sh`
//! installs it and names it in `PARALLAX_SCHEMATHESIS`. Each role gets a
//! fresh server, since a run may change what it touches (an owner may revoke
//! an invitation, a leader reveal a round). `PARALLAX_SCHEMATHESIS_EXAMPLES`
//! sets the examples per operation (25 by default; see README, Tests).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Db, TestApp, answered_round, post_empty};
use parallax_web::views::accounts::CreatedToken;
use parallax_web::views::workspaces::CreatedInvite;
use reqwest::Client;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Member,
    TechLead,
    Leader,
    Owner,
    Advisor,
}

/// What the seed made, for the hooks.
struct Seeded {
    context: Value,
    tokens: Vec<(Caller, String)>,
}

const MARKERS: [&str; 2] = ["zq-blind-marker-5521", "zq-blind-marker-8830"];

async fn token(app: &TestApp, client: &Client) -> CreatedToken {
    client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "schemathesis" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A workspace with a revealed round (with a gap, an action, notes), an open
/// round whose author wrote marked answers, and one person per role.
async fn seed(app: &TestApp) -> Seeded {
    let (owner, w) = app.sign_up("Olga Owner", "olga@acme.test").await;
    let (leader, leader_id) = app
        .join(&owner, w, "leader", "Lea Leader", "lea@acme.test")
        .await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom Tech", "tom@acme.test")
        .await;
    let (member, member_id) = app
        .join(&owner, w, "member", "Mia Member", "mia@acme.test")
        .await;
    let (advisor, advisor_id) = app
        .join(&owner, w, "advisor", "Avi Advisor", "avi@board.test")
        .await;
    let (author, author_id) = app
        .join(&owner, w, "tech_lead", "Ada Author", "ada@acme.test")
        .await;

    let people = [(&tech, tech_id), (&member, member_id), (&author, author_id)];
    let (revealed, api) = answered_round(app, &leader, w, "Spring alignment", &people, |q, who| {
        common::text_or_offered_ranking(q, &format!("We win on service, says person {who}."))
    })
    .await;
    let reveal = leader
        .post(format!("{api}/reveal"))
        .json(&json!({ "confirm": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(reveal.status(), 204);
    let round: Value = leader.get(&api).send().await.unwrap().json().await.unwrap();
    let keys: Vec<String> = round["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["key"].as_str().unwrap().to_owned())
        .collect();
    let gap: Value = leader
        .post(app.url(&format!("/api/v1/workspaces/{w}/gaps")))
        .json(
            &json!({ "round_id": revealed, "question_key": keys[0], "participant_id": tech_id,
                       "title": "Why customers choose us", "severity": "medium" }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gap_id = gap["id"].as_i64().expect("gap created");
    let action: Value = leader
        .post(app.url(&format!("/api/v1/workspaces/{w}/gaps/{gap_id}/actions")))
        .json(&json!({ "kind": "communication", "title": "Say it the same way", "owner_id": tech_id }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // The blind round: the author's answers carry the markers.
    let blind: Value = leader
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
        .json(&json!({ "title": "Autumn alignment", "participants": [tech_id, member_id, author_id] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let blind_id = blind["id"].as_i64().expect("round created");
    let blind_api = app.url(&format!("/api/v1/workspaces/{w}/rounds/{blind_id}"));
    post_empty(&leader, &format!("{blind_api}/send"), 204).await;
    let text_questions = blind["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["kind"]["type"] == "text");
    let mut marked = 0;
    for (question, marker) in text_questions.zip(MARKERS) {
        let key = question["key"].as_str().unwrap();
        let answer = json!({ "type": "text", "value": format!("Between us: {marker}") });
        let saved = author
            .put(format!("{blind_api}/answers/{key}"))
            .json(&json!({ "answer": answer }))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200, "the author's marked answer");
        marked += 1;
    }
    assert_eq!(marked, MARKERS.len(), "the vision has two text questions");
    let invite: CreatedInvite = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/invites")))
        .json(&json!({ "role": "member" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let mut tokens = Vec::new();
    for (caller, client) in [
        (Caller::Member, &member),
        (Caller::TechLead, &tech),
        (Caller::Leader, &leader),
        (Caller::Owner, &owner),
        (Caller::Advisor, &advisor),
    ] {
        let created = token(app, client).await;
        tokens.push((caller, created.token));
    }
    let database = app
        .database_url()
        .strip_prefix("sqlite:")
        .and_then(|rest| rest.split('?').next())
        .expect("a SQLite URL")
        .to_owned();
    let context = json!({
        "database": database,
        "blind_round": blind_id,
        "markers": MARKERS,
        "string_parameters": ["key", "secret"],
        "parameters": {
            "workspace_id": [w],
            "round_id": [revealed, blind_id],
            "gap_id": [gap_id],
            "action_id": [action["id"]],
            "key": keys,
            "participant_id": [tech_id, member_id, author_id],
            "user_id": [leader_id, tech_id, member_id, advisor_id],
            "invite_id": [invite.invite.id],
            "number": [1],
            "secret": [invite.secret],
        },
    });
    Seeded { context, tokens }
}

fn schemathesis() -> PathBuf {
    let path = std::env::var("PARALLAX_SCHEMATHESIS").expect(
        "PARALLAX_SCHEMATHESIS names the schemathesis executable; scripts/test.sh installs it",
    );
    PathBuf::from(path)
}

async fn run_as(caller: Caller) {
    let app = TestApp::spawn(Db::Sqlite).await;
    let seeded = seed(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("context.json");
    std::fs::write(&context, seeded.context.to_string()).unwrap();
    let examples =
        std::env::var("PARALLAX_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "25".to_owned());
    let hooks = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/schemathesis");
    let mut command = Command::new(schemathesis());
    command
        .current_dir(dir.path())
        .env("PYTHONPATH", hooks)
        .env("SCHEMATHESIS_HOOKS", "parallax_hooks")
        .env("PARALLAX_ST_CONTEXT", &context)
        .args(["run", &app.url("/api/openapi.json")])
        .args([
            "--max-examples",
            &examples,
            "--seed",
            "20261202",
            "--workers",
            "1",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance,\
             negative_data_rejection,no_blind_answer",
        ])
        .args(["--request-timeout", "30", "--no-color"])
        // Revoking a token would end the run's own authentication as soon as
        // Schemathesis learns its id from the token list (it does);
        // accounts_http covers that route.
        .args(["--exclude-path", "/api/v1/tokens/{token_id}"])
        // Schemathesis also sends the session cookie the document describes,
        // and a cookie makes a write subject to the cross-site check: the
        // requests come from Parallax's own origin, as a browser's would.
        .args(["-H", "Sec-Fetch-Site: same-origin"]);
    if let Some((_, token)) = seeded.tokens.iter().find(|(c, _)| *c == caller) {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("schemathesis starts");
    let report = String::from_utf8_lossy(&output.stdout);
    let tail: String = report
        .lines()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("{caller:?}:\n{tail}");
    assert!(
        output.status.success(),
        "schemathesis as {caller:?} found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    app.stop().await;
}

macro_rules! per_role {
    ($($name:ident => $caller:expr),* $(,)?) => {
        $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() { run_as($caller).await })*
    };
}

per_role! {
    as_anonymous => Caller::Anonymous,
    as_member => Caller::Member,
    as_tech_lead => Caller::TechLead,
    as_leader => Caller::Leader,
    as_owner => Caller::Owner,
    as_advisor => Caller::Advisor,
}
