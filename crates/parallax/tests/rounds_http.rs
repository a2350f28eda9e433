//! The vision, rounds and the listening session through the real server:
//! versions, validation, concurrent edits, notes and clarifications.

mod common;

use common::{Db, TestApp};
use reqwest::Client;
use serde_json::{Value, json};

async fn get(client: &Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// The question keys of the caller's saved answers in a round's JSON.
fn answered(round: &Value) -> Vec<String> {
    round["my_answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["question_key"].as_str().unwrap().to_owned())
        .collect()
}

/// Opens a round titled `title` with the workspace's members and sends it;
/// returns the round as created and its id.
async fn sent_round(app: &TestApp, owner: &Client, w: i64, title: &str) -> (Value, i64) {
    let round: Value = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
        .json(&json!({ "title": title }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = round["id"].as_i64().unwrap();
    owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}/send")))
        .send()
        .await
        .unwrap();
    (round, r)
}

async fn vision_versions_freeze_and_compare(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tim", "tim@acme.test")
        .await;
    let vision_url = app.url(&format!("/api/v1/workspaces/{w}/vision"));
    let v1: Value = get(&owner, vision_url.clone()).await;
    assert_eq!(v1["number"], 1);
    assert_eq!(
        v1["questions"].as_array().unwrap().len(),
        7,
        "the built-in template"
    );

    // Editing an unused version changes it in place; a stale editor is refused.
    let added = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
        .header("if-match", format!("\"{}\"", v1["version"]))
        .json(&json!({"prompt": "How many paying clinics in 3 years?", "help": "A number.", "kind": {"type": "number", "unit": "clinics"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let stale = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
        .header("if-match", format!("\"{}\"", v1["version"]))
        .json(&json!({"prompt": "Another question?", "kind": {"type": "text"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let no_version = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
        .json(&json!({"prompt": "Another question?", "kind": {"type": "text"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 428);
    let bad_kind = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
        .header("if-match", "\"2\"")
        .json(&json!({"prompt": "Rank?", "kind": {"type": "ranking", "options": ["only one"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad_kind.status(),
        422,
        "a ranking needs at least two options"
    );
    let body: Value = bad_kind.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "options");
    let tech_edit = tech
        .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
        .header("if-match", "\"3\"")
        .json(&json!({"prompt": "Sneaky?", "kind": {"type": "text"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tech_edit.status(),
        403,
        "technical leads read the vision, leaders write it"
    );

    // A round freezes the version; the next edit makes version 2.
    let round = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
        .json(&json!({"title": "Q1", "participants": [tech_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(round.status(), 201);
    let current: Value = get(&owner, vision_url.clone()).await;
    assert_eq!(current["frozen"], true);
    let first_key = current["questions"][0]["key"].as_str().unwrap().to_owned();
    let changed = owner
        .put(app.url(&format!(
            "/api/v1/workspaces/{w}/vision/questions/{first_key}"
        )))
        .header("if-match", format!("\"{}\"", current["version"]))
        .json(&json!({"prompt": "Who exactly is our ideal customer?", "kind": {"type": "text"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let v2: Value = changed.json().await.unwrap();
    assert_eq!(v2["number"], 2);
    let frozen: Value = get(
        &owner,
        app.url(&format!("/api/v1/workspaces/{w}/vision/versions/1")),
    )
    .await;
    assert_eq!(
        frozen["questions"][0]["prompt"], "Who is our ideal customer?",
        "the used version never changes"
    );
    let diff: Value = get(
        &owner,
        app.url(&format!(
            "/api/v1/workspaces/{w}/vision/compare?from=1&to=2"
        )),
    )
    .await;
    assert_eq!(diff["changed"].as_array().unwrap().len(), 1);
    let page = owner
        .get(app.url(&format!("/w/{w}/vision/compare?from=1&to=2")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Who exactly is our ideal customer?") && page.contains("Changed"));
    app.stop().await;
}

async fn every_kind_rejects_malformed_answers(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let vision: Value = get(&owner, app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    let mut version = vision["version"].as_i64().unwrap();
    for kind in [
        json!({"type": "single_choice", "options": ["Build", "Buy"]}),
        json!({"type": "multiple_choice", "options": ["EU", "US", "Asia"]}),
        json!({"type": "number", "unit": "clinics"}),
        json!({"type": "scale", "min": 1, "max": 5, "min_label": "no", "max_label": "fully"}),
    ] {
        let r = owner
            .post(app.url(&format!("/api/v1/workspaces/{w}/vision/questions")))
            .header("if-match", format!("\"{version}\""))
            .json(&json!({"prompt": format!("A {} question?", kind["type"]), "kind": kind}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        version = r.json::<Value>().await.unwrap()["version"]
            .as_i64()
            .unwrap();
    }
    let (round, r) = sent_round(&app, &owner, w, "Kinds").await;
    let questions = round["questions"].as_array().unwrap();
    let key_of = |t: &str| {
        questions.iter().find(|q| q["kind"]["type"] == t).unwrap()["key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let cases = [
        (
            "text",
            json!({"type": "text", "value": "   "}),
            "is required",
        ),
        (
            "text",
            json!({"type": "number", "value": 3}),
            "takes a free text answer",
        ),
        (
            "ranking",
            json!({"type": "ranking", "value": ["Growth"]}),
            "is missing: rank every option exactly once",
        ),
        (
            "single_choice",
            json!({"type": "choice", "value": "Rent"}),
            "one of the options",
        ),
        (
            "multiple_choice",
            json!({"type": "choices", "value": []}),
            "at least one",
        ),
        (
            "multiple_choice",
            json!({"type": "choices", "value": ["EU", "Mars"]}),
            "“Mars” is not one of the options",
        ),
        ("scale", json!({"type": "scale", "value": 9}), "from 1 to 5"),
    ];
    for (kind, answer, message) in cases {
        let response = owner
            .put(app.url(&format!(
                "/api/v1/workspaces/{w}/rounds/{r}/answers/{}",
                key_of(kind)
            )))
            .json(&json!({"answer": answer}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{kind}: {answer}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(message),
            "{kind}: {body}"
        );
    }
    let not_a_number = owner
        .put(app.url(&format!(
            "/api/v1/workspaces/{w}/rounds/{r}/answers/{}",
            key_of("number")
        )))
        .json(&json!({"answer": {"type": "number", "value": "many"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_number.status(), 422);
    // Through the page, a bad number is shown next to its question and nothing is saved.
    let page = owner
        .post(app.url(&format!("/w/{w}/rounds/{r}/answer")))
        .form(&[
            (
                format!("a_{}", key_of("number")),
                "about a thousand".to_owned(),
            ),
            ("action".into(), "save".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("Enter a number"));
    let mine: Value = get(
        &owner,
        app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}")),
    )
    .await;
    assert!(mine["my_answers"].as_array().unwrap().is_empty());
    app.stop().await;
}

async fn concurrent_edits_never_overwrite_silently(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let (_, r) = sent_round(&app, &owner, w, "Race").await;
    let url = app.url(&format!(
        "/api/v1/workspaces/{w}/rounds/{r}/answers/ideal-customer"
    ));
    let first = owner
        .put(&url)
        .json(&json!({"answer": {"type": "text", "value": "writer start"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["etag"], "\"1\"");

    // 24 writers, each reads the version, writes, and retries on conflict up
    // to 30 times; every write carries its own text.
    let mut tasks = Vec::new();
    for writer in 0..24 {
        let client = owner.clone();
        let url = url.clone();
        let read_url = app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}"));
        tasks.push(tokio::spawn(async move {
            let (mut wins, mut conflicts) = (Vec::new(), 0);
            for attempt in 0..30 {
                let view: Value = client
                    .get(&read_url)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let version = view["my_answers"][0]["version"].as_i64().unwrap();
                let text = format!("writer {writer} attempt {attempt}");
                let response = client
                    .put(&url)
                    .header("if-match", format!("\"{version}\""))
                    .json(&json!({"answer": {"type": "text", "value": text}}))
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 => {
                        let body: Value = response.json().await.unwrap();
                        wins.push((body["version"].as_i64().unwrap(), text));
                        break;
                    }
                    409 => {
                        let body: Value = response.json().await.unwrap();
                        assert!(
                            body["error"]["current"]["version"].as_i64().unwrap() > version,
                            "a loser learns the newer version"
                        );
                        assert!(
                            body["error"]["current"]["text"].as_str().is_some(),
                            "and the current text"
                        );
                        conflicts += 1;
                    }
                    other => panic!("writer {writer}: unexpected status {other}"),
                }
            }
            (wins, conflicts)
        }));
    }
    let mut wins = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        let (w, c) = task.await.unwrap();
        wins.extend(w);
        conflicts += c;
    }
    let view: Value = get(
        &owner,
        app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}")),
    )
    .await;
    let final_version = view["my_answers"][0]["version"].as_i64().unwrap();
    assert_eq!(
        final_version,
        1 + wins.len() as i64,
        "final version = 1 + successful writes"
    );
    let mut versions: Vec<i64> = wins.iter().map(|(v, _)| *v).collect();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(
        versions.len(),
        wins.len(),
        "no two writes got the same version"
    );
    let last = wins.iter().max_by_key(|(v, _)| *v).unwrap();
    assert_eq!(
        view["my_answers"][0]["answer"]["value"], last.1,
        "the stored text is the newest successful write"
    );
    assert!(conflicts > 0, "the writers really raced");
    app.stop().await;
}

async fn the_listening_session_takes_notes_flags_and_clarifications(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tim", "tim@acme.test")
        .await;
    let (leader2, _) = app
        .join(&owner, w, "leader", "Lars", "lars@acme.test")
        .await;
    // Everyone submitted, so the reveal needs no confirmation.
    let (r, api) =
        common::revealed_round(&app, &owner, w, "Listen", &[(&tech, tech_id)], |q, _| {
            common::text_or_offered_ranking(q, "Our answer.")
        })
        .await;

    let note_url = format!("{api}/notes/horizon-3/{tech_id}");
    let first = owner
        .put(&note_url)
        .json(&json!({"note": "300 vs 1,000 clinics", "flag": "misaligned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let stale = leader2
        .put(&note_url)
        .header("if-match", "\"0\"")
        .json(&json!({"note": "mine", "flag": "aligned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let stale: Value = stale.json().await.unwrap();
    assert_eq!(
        stale["error"]["current"]["text"], "300 vs 1,000 clinics",
        "the second leader sees the first leader's note"
    );
    let tech_note = tech
        .put(&note_url)
        .json(&json!({"note": "I disagree", "flag": "aligned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tech_note.status(), 403, "participants cannot note or flag");

    let asked: Value = owner.post(format!("{api}/clarifications")).json(&json!({"question_key": "horizon-3", "participant_id": tech_id, "question": "Where does 300 come from?"})).send().await.unwrap().json().await.unwrap();
    let id = asked["id"].as_i64().unwrap();
    assert_eq!(
        owner
            .post(format!("{api}/clarifications/{id}/answer"))
            .json(&json!({"answer": "I answer for Tim"}))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "only the person asked answers"
    );
    assert_eq!(
        tech.post(format!("{api}/clarifications/{id}/answer"))
            .json(&json!({"answer": "Product readiness."}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );

    let summary = owner
        .get(app.url(&format!("/w/{w}/rounds/{r}/summary")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("Misaligned") && summary.contains("1 misaligned"));
    let session = tech
        .get(app.url(&format!("/w/{w}/rounds/{r}/session")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(session.contains("Product readiness.") && session.contains("Misaligned"));
    assert!(
        !session.contains("300 vs 1,000 clinics"),
        "the leader's note is private until shared"
    );
    assert!(
        !session.contains("name=\"note\""),
        "the technical lead gets no note form"
    );
    let tech_json = get(&tech, format!("{api}/session")).await;
    let tech_note = &tech_json["notes"][0];
    assert_eq!(
        (&tech_note["note"], &tech_note["flag"], &tech_note["shared"]),
        (&json!(""), &json!("misaligned"), &json!(false)),
        "{tech_json}"
    );
    let owner_session = owner
        .get(app.url(&format!("/w/{w}/rounds/{r}/session")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(owner_session.contains("name=\"note\""));
    assert!(owner_session.contains("Private: only those who run rounds read it."));
    // Sharing is an explicit choice on the page; then Tom reads the note.
    let version = get(&owner, format!("{api}/session")).await["notes"][0]["version"].clone();
    let shared = owner
        .post(app.url(&format!("/w/{w}/rounds/{r}/notes/horizon-3/{tech_id}")))
        .form(&[
            ("version", version.to_string().as_str()),
            ("flag", "misaligned"),
            ("note", "300 vs 1,000 clinics"),
            ("shared", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(shared.status(), 303);
    let owner_session =
        common::get_text(&owner, &app.url(&format!("/w/{w}/rounds/{r}/session"))).await;
    assert!(owner_session.contains("Shared: Tim reads this note."));
    let session = common::get_text(&tech, &app.url(&format!("/w/{w}/rounds/{r}/session"))).await;
    assert!(
        session.contains("shared with you: </em>300 vs 1,000 clinics"),
        "{session}"
    );
    assert!(
        !owner_session.contains("/answers/") && !owner_session.contains("name=\"a_"),
        "no way to edit anyone's answer in the session"
    );
    assert!(
        owner_session.contains("<svg class=\"ranking\""),
        "rankings are drawn side by side"
    );

    assert_eq!(
        owner
            .post(format!("{api}/close"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        owner
            .put(&note_url)
            .header("if-match", "\"1\"")
            .json(&json!({"note": "late"}))
            .send()
            .await
            .unwrap()
            .status(),
        409,
        "a closed round is read-only"
    );
    app.stop().await;
}

/// Submitting with questions still open keeps the drafts, names every open
/// question at the top and marks each one, in a 422 page, never a flash
/// message cut short.
async fn submitting_names_and_marks_every_unanswered_question(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let (round, r) = sent_round(&app, &owner, w, "Open questions").await;
    let questions = round["questions"].as_array().unwrap();
    let first = questions[0]["key"].as_str().unwrap();
    let ranking = questions
        .iter()
        .find(|q| q["kind"]["type"] == "ranking")
        .unwrap();
    let rkey = ranking["key"].as_str().unwrap();
    let offered = ranking["kind"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let form_page = common::get_text(&owner, &app.url(&format!("/w/{w}/rounds/{r}/answer"))).await;
    assert!(form_page.contains("This order, as shown, is my ranking"));
    // One text answer, and the ranking the page offered sent back untouched.
    let response = owner
        .post(app.url(&format!("/w/{w}/rounds/{r}/answer")))
        .form(&[
            (format!("a_{first}"), "Small clinics in Austria.".to_owned()),
            (format!("a_{rkey}"), offered.clone()),
            (format!("d_{rkey}"), offered.clone()),
            ("action".to_owned(), "submit".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    for q in &questions[1..] {
        let key = q["key"].as_str().unwrap();
        assert!(
            page.contains(&format!("href=\"#q-{key}\"")),
            "{key} is named at the top, the untouched ranking too"
        );
    }
    assert!(page.contains("Not answered yet: every question needs an answer before you submit."));
    assert!(
        page.contains("Small clinics in Austria."),
        "the draft is kept"
    );
    let mine = get(
        &owner,
        app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}")),
    )
    .await;
    assert_eq!(
        answered(&mine),
        [first],
        "the draft is saved, the untouched ranking is not"
    );
    // Confirmed as shown, the ranking is an answer.
    owner
        .post(app.url(&format!("/w/{w}/rounds/{r}/answer")))
        .form(&[
            (format!("a_{rkey}"), offered.clone()),
            (format!("d_{rkey}"), offered.clone()),
            (format!("k_{rkey}"), "1".to_owned()),
            ("action".to_owned(), "save".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    let mine = get(
        &owner,
        app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}")),
    )
    .await;
    assert!(answered(&mine).contains(&rkey.to_owned()));
    app.stop().await;
}

/// An answer can be cleared before submitting: by emptying it on the page,
/// or with DELETE naming its version; never a stale one, never after
/// submitting.
async fn an_answer_can_be_cleared_until_submitted(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let (round, r) = sent_round(&app, &owner, w, "Clearing").await;
    let api = format!("/api/v1/workspaces/{w}/rounds/{r}");
    let put = |key: &'static str, text: &'static str| {
        owner
            .put(app.url(&format!("{api}/answers/{key}")))
            .json(&json!({"answer": {"type": "text", "value": text}}))
            .send()
    };
    assert_eq!(
        put("why-us", "Set-up in an afternoon.")
            .await
            .unwrap()
            .status(),
        200
    );
    // Emptied on the page and saved: gone.
    let page = owner
        .post(app.url(&format!("/w/{w}/rounds/{r}/answer")))
        .form(&[("a_why-us", ""), ("v_why-us", "1"), ("action", "save")])
        .send()
        .await
        .unwrap();
    assert!(
        page.status().is_success() || page.status().is_redirection(),
        "{}",
        page.status()
    );
    let mine = get(&owner, app.url(&api)).await;
    assert!(
        !answered(&mine).contains(&"why-us".to_owned()),
        "the emptied answer is cleared"
    );
    // Through the API: the version is required, a stale one refused.
    assert_eq!(
        put("feeling", "Calm Monday mornings.")
            .await
            .unwrap()
            .status(),
        200
    );
    let url = app.url(&format!("{api}/answers/feeling"));
    let clear = |version: &'static str| owner.delete(&url).header("if-match", version).send();
    let bare = owner.delete(&url).send().await.unwrap();
    assert_eq!(bare.status(), 428);
    let stale = clear("\"7\"").await.unwrap();
    assert_eq!(stale.status(), 409);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["error"]["current"]["version"], 1, "{body}");
    let mine = get(&owner, app.url(&api)).await;
    assert!(
        answered(&mine).contains(&"feeling".to_owned()),
        "nothing cleared by a refused request"
    );
    let cleared = clear("\"1\"").await.unwrap();
    assert_eq!(cleared.status(), 204);
    let again = clear("\"1\"").await.unwrap();
    assert_eq!(again.status(), 404, "nothing left to clear");
    let mine = get(&owner, app.url(&api)).await;
    assert!(answered(&mine).is_empty(), "{mine}");
    // Once submitted, an answer can be changed but not cleared.
    for q in round["questions"].as_array().unwrap() {
        let key = q["key"].as_str().unwrap();
        let answer = match q["kind"]["type"].as_str().unwrap() {
            "ranking" => json!({"type": "ranking", "value": q["kind"]["options"]}),
            _ => json!({"type": "text", "value": "Known for reliability."}),
        };
        let saved = owner
            .put(app.url(&format!("{api}/answers/{key}")))
            .json(&json!({ "answer": answer }))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200, "{key}");
    }
    let submitted = owner
        .post(app.url(&format!("{api}/submit")))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 204);
    let late = clear("\"1\"").await.unwrap();
    assert_eq!(late.status(), 409);
    let mine = get(&owner, app.url(&api)).await;
    assert!(
        answered(&mine).contains(&"feeling".to_owned()),
        "the submitted answer stays"
    );
    app.stop().await;
}

/// Each person's home page lists what waits for them, one link each, and
/// follows a round from sending to closing.
async fn the_home_page_lists_what_waits(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Olga", "olga@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tim", "tim@acme.test")
        .await;
    let home = |client: &Client| {
        let url = app.url("/");
        let client = client.clone();
        async move { common::get_text(&client, &url).await }
    };
    assert!(
        home(&tech)
            .await
            .contains("Nothing waits for you right now.")
    );
    let round = common::create_round(&app, &owner, w, "Spring check", &[tech_id]).await;
    let r = round["id"].as_i64().unwrap();
    assert!(
        home(&owner)
            .await
            .contains("Send the draft round “Spring check”"),
        "a draft waits to be sent"
    );
    common::post_empty(
        &owner,
        &app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}/send")),
        204,
    )
    .await;
    let tims = home(&tech).await;
    assert!(
        tims.contains(&format!(
            "href=\"/w/{w}/rounds/{r}/answer\">Answer “Spring check”"
        )),
        "{tims}"
    );
    let olgas = home(&owner).await;
    assert!(
        olgas.contains("“Spring check”</a>: 0 of 2 have answered"),
        "{olgas}"
    );
    assert!(
        olgas.contains("Answer “Spring check”"),
        "Olga takes part too"
    );
    let actions = common::get_text(&tech, &app.url("/actions")).await;
    assert!(
        actions.contains("Answers waiting for you") && actions.contains("Answer “Spring check”")
    );
    let overview = common::get_text(&tech, &app.url(&format!("/w/{w}"))).await;
    assert!(
        overview.contains("Waiting for you here") && overview.contains("Answer “Spring check”")
    );
    let api = app.url(&format!("/api/v1/workspaces/{w}/rounds/{r}"));
    for client in [&owner, &tech] {
        for q in round["questions"].as_array().unwrap() {
            let saved = client
                .put(format!("{api}/answers/{}", q["key"].as_str().unwrap()))
                .json(&json!({ "answer": common::text_or_offered_ranking(q, "Clinics of every size") }))
                .send()
                .await
                .unwrap();
            assert_eq!(saved.status(), 200);
        }
        common::post_empty(client, &format!("{api}/submit"), 204).await;
    }
    assert!(
        home(&owner)
            .await
            .contains("everyone has answered — <strong>ready to reveal")
    );
    assert!(
        home(&tech)
            .await
            .contains("Nothing waits for you right now.")
    );
    common::post_empty(&owner, &format!("{api}/reveal"), 204).await;
    assert!(
        home(&owner)
            .await
            .contains("Hold the listening session of “Spring check”")
    );
    common::post_empty(&owner, &format!("{api}/close"), 204).await;
    assert!(
        home(&owner)
            .await
            .contains("Every round is closed: revisit the vision before the next round")
    );
    assert!(
        !home(&tech).await.contains("revisit the vision"),
        "only those who edit the vision are asked to"
    );
    app.stop().await;
}

/// A quarterly cadence in Berlin: the preview in words and dates across
/// daylight saving, one occurrence skipped and one moved without touching the
/// rest, and a year of rounds opened by the scheduler on an injected clock —
/// each occurrence once, also when two instances run at the same moment.
async fn a_cadence_opens_a_year_of_rounds(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let url = app.url(&format!("/api/v1/workspaces/{w}/cadence"));
    let none = common::get_json(&owner, &url).await;
    assert!(none["settings"].is_null() && none["next"] == json!([]));
    let cadence = json!({
        "rule": "quarterly", "time_zone": "Europe/Berlin", "first_date": "2030-01-07",
        "local_time": "09:00", "answer_days": 14, "session_days": 3, "participants": [tech_id]
    });
    let refused = tech.put(&url).json(&cadence).send().await.unwrap();
    assert_eq!(
        refused.status(),
        403,
        "technical leads do not set the cadence"
    );
    let mut bad = cadence.clone();
    bad["time_zone"] = json!("Mars/Olympus");
    let bad = owner.put(&url).json(&bad).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("time_zone"));
    let set = owner.put(&url).json(&cadence).send().await.unwrap();
    assert_eq!(set.status(), 200);
    let view: Value = set.json().await.unwrap();
    assert_eq!(view["in_words"], "every 3 months");
    let local: Vec<&str> = view["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["local"].as_str().unwrap())
        .collect();
    assert_eq!(
        local,
        [
            "Mon 2030-01-07 09:00 Europe/Berlin",
            "Sun 2030-04-07 09:00 Europe/Berlin",
            "Sun 2030-07-07 09:00 Europe/Berlin",
            "Mon 2030-10-07 09:00 Europe/Berlin",
            "Tue 2031-01-07 09:00 Europe/Berlin"
        ]
    );
    let at = |i: usize| view["next"][i]["at"].as_i64().unwrap();
    assert_eq!(
        at(1) - at(0),
        (90 * 24 - 1) * 3600 * 1000,
        "summer time starts in between"
    );
    let mut stale = cadence.clone();
    stale["version"] = json!(0);
    assert_eq!(
        owner.put(&url).json(&stale).send().await.unwrap().status(),
        409
    );

    // Skip April, move July by two days: the others keep their dates.
    let day = 24 * 3600 * 1000;
    let changes = format!("{url}/occurrences");
    let skip = owner
        .post(&changes)
        .json(&json!({"change": "skip", "planned_at": at(1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(skip.status(), 200);
    let moved: Value = owner
        .post(&changes)
        .json(&json!({"change": "move", "planned_at": at(2), "to": at(2) + 2 * day}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next: Vec<(i64, bool)> = moved["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["at"].as_i64().unwrap(), o["moved"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        next[..3],
        [(at(0), false), (at(2) + 2 * day, true), (at(3), false)]
    );
    assert_eq!(moved["skipped"][0]["planned_at"], at(1));
    let not_ours = owner
        .post(&changes)
        .json(&json!({"change": "skip", "planned_at": at(0) + 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_ours.status(), 422, "only the cadence's own occurrences");

    // A year on the injected clock: every occurrence opens once.
    let scheduler = &app.server.app;
    assert!(
        scheduler
            .run_cadences(at(0) - 60_000)
            .await
            .unwrap()
            .is_empty(),
        "not yet"
    );
    let (first, second) = tokio::join!(
        scheduler.run_cadences(at(0) + 60_000),
        scheduler.run_cadences(at(0) + 60_000)
    );
    assert_eq!(
        first.unwrap().len() + second.unwrap().len(),
        1,
        "one instance opens it"
    );
    assert!(
        scheduler
            .run_cadences(at(0) + 120_000)
            .await
            .unwrap()
            .is_empty()
    );
    for (when, _) in &next[1..] {
        assert_eq!(
            scheduler.run_cadences(when + 60_000).await.unwrap().len(),
            1
        );
    }
    let rounds = common::get_json(&tech, &app.url(&format!("/api/v1/workspaces/{w}/rounds"))).await;
    let titles: Vec<&str> = rounds["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "April 2031 alignment",
            "January 2031 alignment",
            "October 2030 alignment",
            "July 2030 alignment",
            "January 2030 alignment"
        ],
        "newest first; April was skipped"
    );
    assert!(
        rounds["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "answering")
    );
    let july = &rounds["rounds"][3];
    assert_eq!(july["due_at"].as_i64().unwrap(), at(2) + 16 * day);

    // A server down for a year opens only the newest round, not a backlog.
    let later = at(4) + 365 * day;
    assert_eq!(scheduler.run_cadences(later).await.unwrap().len(), 1);
    assert_eq!(scheduler.run_cadences(later).await.unwrap().len(), 0);

    // The round page of a participant: the listening session is planned.
    let feed = common::new_feed(&app, &tech).await;
    let ics = app
        .client()
        .get(&feed)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ics.contains("SUMMARY:Listening session: “July 2030 alignment”"),
        "{ics}"
    );
    assert_eq!(owner.delete(&url).send().await.unwrap().status(), 204);
    assert!(
        scheduler
            .run_cadences(later + 365 * day)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

/// The header `name` of a received mail.
fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.split("\r\n\r\n")
        .next()?
        .split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

/// Sending a round mails each participant the link and the due date, once,
/// through a real SMTP server that refuses the first attempt; the one-click
/// unsubscribe link turns that mail off without signing in.
async fn sending_a_round_mails_its_participants(db: Db) {
    let smtp = common::smtp::SmtpServer::start(1).await;
    let app = TestApp::spawn_with(db, |s| {
        s.smtp_url = smtp.url.clone();
        s.mail_from = "Parallax <px@acme.test>".into();
        s.mail_retry_seconds = 0;
    })
    .await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tom_web, tom_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let (_ann, ann_id) = app
        .join(&owner, w, "tech_lead", "Ann", "ann@acme.test")
        .await;
    let api = app.url(&format!("/api/v1/workspaces/{w}/rounds"));
    let due = parallax_store::now_ms() + 7 * 24 * 3600 * 1000;
    let send = |title: &'static str| {
        let owner = owner.clone();
        let api = api.clone();
        async move {
            let round: Value = owner
                .post(&api)
                .json(&json!({"title": title, "participants": [tom_id, ann_id], "due_at": due}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = round["id"].as_i64().unwrap();
            common::post_empty(&owner, &format!("{api}/{id}/send"), 204).await;
            id
        }
    };
    let r = send("Q1 alignment").await;
    let mails = smtp.wait_for(2).await;
    let tom = mails
        .iter()
        .find(|m| header(m, "To").is_some_and(|to| to.contains("tom@acme.test")))
        .expect("Tom's mail");
    assert!(
        header(tom, "Subject").unwrap().contains("Q1 alignment"),
        "{tom}"
    );
    assert!(tom.contains(&format!("/w/{w}/rounds/{r}/answer")), "{tom}");
    assert!(
        !mails.iter().any(|m| m.contains("lena@acme.test\r\n")),
        "not to the sender"
    );
    let ids: std::collections::BTreeSet<&str> = mails
        .iter()
        .filter_map(|m| header(m, "Message-ID"))
        .collect();
    assert_eq!(
        ids.len(),
        2,
        "one mail per participant, the refused one retried once"
    );
    assert_eq!(
        header(tom, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let link = header(tom, "List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    // One click, as a mail provider posts it: no session, no Origin.
    let clicked = app
        .client()
        .post(&link)
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), 200);
    assert!(clicked.text().await.unwrap().contains("A round is open"));
    send("Q2 alignment").await;
    let mails = smtp.wait_for(3).await;
    let to_tom = mails
        .iter()
        .filter(|m| header(m, "To").is_some_and(|to| to.contains("tom@acme.test")))
        .count();
    assert_eq!(to_tom, 1, "Tom turned these mails off");
    let choices = common::get_json(&tom_web, &app.url("/api/v1/me/mail")).await;
    let on: Vec<(&str, bool)> = choices["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kind"].as_str().unwrap(), k["on"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        on,
        [
            ("round_open", false),
            ("nudge", true),
            ("round_revealed", true)
        ]
    );
    // On again from the account page.
    let saved = tom_web
        .post(app.url("/account/mail"))
        .form(&[("on", "round_open"), ("on", "nudge")])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let choices = common::get_json(&tom_web, &app.url("/api/v1/me/mail")).await;
    assert_eq!(choices["kinds"][0]["on"], true);
    assert_eq!(choices["kinds"][2]["on"], false, "revealed mails now off");
    let unknown = tom_web
        .put(app.url("/api/v1/me/mail"))
        .json(&json!({"on": ["spam"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 422);
    assert!(
        header(&mails[2], "Subject")
            .unwrap()
            .contains("Q2 alignment")
    );
    app.stop().await;
}

/// Nudges before the due date go to those who have not submitted, and stop
/// once the round is revealed; the reveal mails those who took part.
async fn nudges_go_only_to_those_who_have_not_submitted(db: Db) {
    let smtp = common::smtp::SmtpServer::start(0).await;
    let app = TestApp::spawn_with(db, |s| s.smtp_url = smtp.url.clone()).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (_tom, tom_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let (ann, ann_id) = app
        .join(&owner, w, "tech_lead", "Ann", "ann@acme.test")
        .await;
    let day = 24 * 3600 * 1000;
    let due = parallax_store::now_ms() + 7 * day;
    let api = app.url(&format!("/api/v1/workspaces/{w}/rounds"));
    let round: Value = owner
        .post(&api)
        .json(&json!({"title": "Q3 alignment", "participants": [tom_id, ann_id], "due_at": due}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = round["id"].as_i64().unwrap();
    let api = format!("{api}/{r}");
    common::post_empty(&owner, &format!("{api}/send"), 204).await;
    smtp.wait_for(2).await;
    // Ann answers everything and submits; Tom does not.
    for question in round["questions"].as_array().unwrap() {
        let key = question["key"].as_str().unwrap();
        let answer = common::text_or_offered_ranking(question, "Small clinics first.");
        let saved = ann
            .put(format!("{api}/answers/{key}"))
            .json(&json!({ "answer": answer }))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200);
    }
    common::post_empty(&ann, &format!("{api}/submit"), 204).await;

    let outbox = &app.server.app;
    let two_days_before = due - 2 * day + 60_000;
    while outbox.send_one_mail(two_days_before).await.unwrap() {}
    let mails = smtp.wait_for(3).await;
    let nudges: Vec<&String> = mails
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.starts_with("Reminder:")))
        .collect();
    assert_eq!(nudges.len(), 1, "{mails:?}");
    assert!(header(nudges[0], "To").unwrap().contains("tom@acme.test"));
    assert!(nudges[0].contains("due in 2 days"));

    let revealed = owner
        .post(format!("{api}/reveal"))
        .json(&json!({"confirm": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(revealed.status(), 204);
    let mails = smtp.wait_for(4).await;
    let reveal: Vec<&String> = mails
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.starts_with("Revealed:")))
        .collect();
    assert_eq!(reveal.len(), 1, "Tom was left out, Lena revealed it");
    assert!(header(reveal[0], "To").unwrap().contains("ann@acme.test"));
    // The due-day nudge finds the round revealed: nothing more goes out.
    while outbox.send_one_mail(due).await.unwrap() {}
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 4);
    app.stop().await;
}

on_both_databases!(
    nudges_go_only_to_those_who_have_not_submitted,
    sending_a_round_mails_its_participants,
    a_cadence_opens_a_year_of_rounds,
    the_home_page_lists_what_waits,
    an_answer_can_be_cleared_until_submitted,
    submitting_names_and_marks_every_unanswered_question,
    vision_versions_freeze_and_compare,
    every_kind_rejects_malformed_answers,
    concurrent_edits_never_overwrite_silently,
    the_listening_session_takes_notes_flags_and_clarifications,
);
