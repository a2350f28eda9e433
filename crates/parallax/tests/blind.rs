//! Blind means blind: before a round is revealed nobody but an answer's
//! author reads it — through any page, API route, error or log view. Every
//! answer carries a unique marker; the test walks every caller × every round
//! state × every route that shows round data, and fails on any marker seen by
//! someone who may not see it. After the reveal, the markers must be visible
//! to those who may (so the test cannot pass by showing nothing).

mod common;

use common::{Db, TestApp};
use reqwest::Client;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Author,
    OtherParticipant,
    Leader,
    Owner,
    InstanceAdmin,
    Advisor,
    Bystander,
    Removed,
    OtherWorkspace,
    Anonymous,
}

const EVERYONE: [Who; 10] = [
    Who::Author,
    Who::OtherParticipant,
    Who::Leader,
    Who::Owner,
    Who::InstanceAdmin,
    Who::Advisor,
    Who::Bystander,
    Who::Removed,
    Who::OtherWorkspace,
    Who::Anonymous,
];

/// Who wrote which marker. The owner opens the round and so answers too; the
/// other participant never submits and is left out at the reveal.
const MARKERS: [(Who, &str); 3] = [
    (Who::Author, "zq-author-marker-7731"),
    (Who::OtherParticipant, "zq-other-marker-4410"),
    (Who::Owner, "zq-owner-marker-9052"),
];

/// In every pillar the leader writes: the pillars anchor blind answers, so
/// they are hidden from whoever has an unrevealed round to answer.
const PILLAR_MARKER: &str = "zq-pillar-";

/// Who reads the vision's pillars: those who write it always, members
/// who answer no unrevealed round, participants once their round is
/// revealed; advisors and outsiders never.
fn may_see_pillars(viewer: Who, revealed: bool) -> bool {
    match viewer {
        Who::Leader | Who::Owner | Who::Bystander => true,
        Who::Author | Who::OtherParticipant => revealed,
        _ => false,
    }
}

/// Listening-session notes about the author's answers: one kept private,
/// one shared with the author.
const PRIVATE_NOTE: &str = "zq-note-private-3131";
const SHARED_NOTE: &str = "zq-note-shared-4242";

fn may_see_note(viewer: Who, note: &str) -> bool {
    matches!(viewer, Who::Leader | Who::Owner) || (note == SHARED_NOTE && viewer == Who::Author)
}

fn may_see(viewer: Who, author: Who, revealed: bool) -> bool {
    if viewer == author {
        return true;
    }
    let sees_round = matches!(
        viewer,
        Who::Author | Who::OtherParticipant | Who::Leader | Who::Owner
    );
    revealed && sees_round && author != Who::OtherParticipant
}

async fn api_post(client: &Client, url: String, body: Value) -> reqwest::Response {
    client.post(url).json(&body).send().await.unwrap()
}

async fn nobody_reads_an_answer_before_the_reveal(db: Db) {
    // Mail goes to a real SMTP server: every mail is read for answers too.
    let smtp = common::smtp::SmtpServer::start(0).await;
    let app = TestApp::spawn_with(db, |s| s.smtp_url = smtp.url.clone()).await;
    let (admin, _) = app.sign_up("Ida Admin", "ida@instance.test").await;
    let (owner, w) = app.sign_up("Olga Owner", "olga@acme.test").await;
    let (leader, _) = app
        .join(&owner, w, "leader", "Lea Leader", "lea@acme.test")
        .await;
    let (author, author_id) = app
        .join(&owner, w, "tech_lead", "Ada Author", "ada@partner.test")
        .await;
    let (other, other_id) = app
        .join(&owner, w, "tech_lead", "Oli Other", "oli@partner.test")
        .await;
    let (advisor, _) = app
        .join(&owner, w, "advisor", "Avi Advisor", "avi@board.test")
        .await;
    let (bystander, _) = app
        .join(&owner, w, "member", "Bea Bystander", "bea@acme.test")
        .await;
    let (removed, removed_id) = app
        .join(&owner, w, "tech_lead", "Rex Removed", "rex@partner.test")
        .await;
    let (stranger, _) = app.sign_up("Xena Other", "xena@other.test").await;
    let anonymous = app.client();

    let set_pillars = |version: i64, pillars: Value| {
        owner
            .put(app.url(&format!("/api/v1/workspaces/{w}/vision/pillars")))
            .header("if-match", format!("\"{version}\""))
            .json(&json!({ "pillars": pillars }))
            .send()
    };
    let first = json!([{ "name": "Small clinics zq-pillar-first-5150", "weight": 60, "description": "Our target customer" }]);
    let vision =
        common::get_json(&owner, &app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    let saved = set_pillars(vision["version"].as_i64().unwrap(), first.clone())
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);

    let round: Value = api_post(
        &owner,
        app.url(&format!("/api/v1/workspaces/{w}/rounds")),
        json!({
            "title": "Blind test round", "participants": [author_id, other_id, removed_id],
            "due_at": parallax_store::now_ms() + 7 * 24 * 3600 * 1000
        }),
    )
    .await
    .json()
    .await
    .unwrap();
    let r = round["id"].as_i64().unwrap();
    let key = "ideal-customer";
    // The round froze version 1: a second pillar makes version 2.
    let saved: Value = set_pillars(
        vision["version"].as_i64().unwrap() + 1,
        json!([first[0], { "name": "Later zq-pillar-second-6262", "weight": 40, "description": "" }]),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(saved["number"], 2, "{saved}");

    let client = |who: Who| -> &Client {
        match who {
            Who::Author => &author,
            Who::OtherParticipant => &other,
            Who::Leader => &leader,
            Who::Owner => &owner,
            Who::InstanceAdmin => &admin,
            Who::Advisor => &advisor,
            Who::Bystander => &bystander,
            Who::Removed => &removed,
            Who::OtherWorkspace => &stranger,
            Who::Anonymous => &anonymous,
        }
    };
    let base = format!("/w/{w}/rounds/{r}");
    let api = format!("/api/v1/workspaces/{w}/rounds/{r}");
    // Everyone's calendar feed, read by every caller (the link is the
    // credential): it names rounds and dates, never an answer.
    let mut feeds = Vec::new();
    for who in EVERYONE.into_iter().filter(|w| *w != Who::Anonymous) {
        let made = client(who)
            .post(app.url("/api/v1/me/calendar"))
            .send()
            .await
            .unwrap();
        if made.status() == 201 {
            let url = made.json::<Value>().await.unwrap()["url"]
                .as_str()
                .unwrap()
                .to_owned();
            feeds.push(url.trim_start_matches(app.base.as_str()).to_owned());
        }
    }
    assert!(
        feeds.len() >= 3,
        "the participants and the leader have feeds"
    );
    let mut routes: Vec<String> = vec![
        "/".into(),
        format!("/w/{w}"),
        format!("/w/{w}/rounds"),
        base.clone(),
        format!("{base}/answer"),
        format!("{base}/reveal"),
        format!("{base}/session"),
        format!("{base}/summary"),
        format!("/w/{w}/audit"),
        format!("/w/{w}/vision"),
        format!("/w/{w}/vision/versions/1"),
        format!("/w/{w}/vision/compare?from=1&to=2"),
        format!("/api/v1/workspaces/{w}/vision"),
        format!("/api/v1/workspaces/{w}/vision/versions/1"),
        format!("/api/v1/workspaces/{w}/vision/compare?from=1&to=2"),
        format!("/api/v1/workspaces/{w}/rounds"),
        api.clone(),
        format!("{api}/session"),
        format!("/api/v1/workspaces/{w}/audit"),
        format!("/w/{w}/gaps"),
        format!("/w/{w}/gaps/new?round={r}"),
        format!("/w/{w}/gaps/proposals"),
        format!("/w/{w}/gaps/patterns"),
        format!("/api/v1/workspaces/{w}/gaps"),
        format!("/api/v1/workspaces/{w}/gaps/proposals"),
        format!("/api/v1/workspaces/{w}/gaps/patterns"),
        format!("/w/{w}/trend"),
        format!("/api/v1/workspaces/{w}/trend"),
        "/actions".into(),
        "/api/v1/actions".into(),
        "/metrics".into(),
    ];
    routes.extend(feeds);

    let mut failures = Vec::new();
    let mut seen_after_reveal = 0;
    let walk = |state: &'static str, revealed: bool| {
        let routes = routes.clone();
        let app_base = app.base.clone();
        async move {
            let mut failures = Vec::new();
            let mut seen = 0;
            for who in EVERYONE {
                for route in &routes {
                    let response = client(who)
                        .get(format!("{app_base}{route}"))
                        .send()
                        .await
                        .unwrap();
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap();
                    assert!(status < 500, "{route} as {who:?} in {state}: {status}");
                    for (author, marker) in MARKERS {
                        let visible = body.contains(marker);
                        if visible && !may_see(who, author, revealed) {
                            failures.push(format!("[{state}] {who:?} read {author:?}'s answer via GET {route} ({status})"));
                        }
                        if visible && who != author && route.ends_with("/session") {
                            seen += 1;
                        }
                    }
                    for note in [PRIVATE_NOTE, SHARED_NOTE] {
                        if body.contains(note) && !may_see_note(who, note) {
                            failures.push(format!(
                                "[{state}] {who:?} read the note {note} via GET {route} ({status})"
                            ));
                        }
                        if body.contains(note) && who == Who::Author {
                            seen += 1;
                        }
                    }
                    let pillars_shown = body.contains(PILLAR_MARKER);
                    if pillars_shown && !may_see_pillars(who, revealed) {
                        failures.push(format!(
                            "[{state}] {who:?} read the leader's pillars via GET {route} ({status})"
                        ));
                    }
                    if pillars_shown && who == Who::Author && route.contains("/vision") {
                        seen += 1;
                    }
                }
            }
            (failures, seen)
        }
    };

    // Draft: nobody can answer yet.
    let (f, _) = walk("draft", false).await;
    failures.extend(f);
    let early = author
        .put(app.url(&format!("{api}/answers/{key}")))
        .json(&json!({ "answer": { "type": "text", "value": "too early" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 409, "a draft round takes no answers");
    assert_eq!(
        owner
            .post(app.url(&format!("{api}/send")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );

    // Answering: three people write answers with markers; only the author submits.
    for (who, marker) in MARKERS {
        let saved = client(who)
            .put(app.url(&format!("{api}/answers/{key}")))
            .json(&json!({ "answer": { "type": "text", "value": format!("Clinics of every size {marker}") } }))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200, "{who:?} saves");
    }
    // Non-participants cannot write into the round, and their refusal leaks nothing.
    for who in [
        Who::Leader,
        Who::Bystander,
        Who::Advisor,
        Who::InstanceAdmin,
        Who::OtherWorkspace,
    ] {
        let response = client(who)
            .put(app.url(&format!("{api}/answers/{key}")))
            .header("if-match", "\"1\"")
            .json(&json!({ "answer": { "type": "text", "value": "intruder" } }))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(response.status().as_u16(), 403 | 404),
            "{who:?}: {}",
            response.status()
        );
        let body = response.text().await.unwrap();
        assert!(
            MARKERS.iter().all(|(_, m)| !body.contains(m)),
            "{who:?}'s refusal leaks an answer"
        );
    }
    // A stale write by the author shows the author their own current text, nobody else's.
    let stale = author
        .put(app.url(&format!("{api}/answers/{key}")))
        .header("if-match", "\"7\"")
        .json(&json!({ "answer": { "type": "text", "value": "stale" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let stale: Value = stale.json().await.unwrap();
    assert!(
        stale["error"]["current"]["text"]
            .as_str()
            .unwrap()
            .contains(MARKERS[0].1)
    );
    // Notes and the session are refused before the reveal, without content.
    let note = owner
        .put(app.url(&format!("{api}/notes/{key}/{author_id}")))
        .json(&json!({ "note": "peek", "flag": "aligned" }))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 409);
    assert!(!note.text().await.unwrap().contains("zq-"));
    // The owner removes Rex mid-round: he keeps seeing nothing.
    assert_eq!(
        owner
            .delete(app.url(&format!("/api/v1/workspaces/{w}/members/{removed_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    // Rex keeps the session he had as a member; it no longer reaches here.
    let owner_answers: Value = owner
        .get(app.url(&api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        owner_answers.to_string().contains(MARKERS[2].1),
        "the owner sees their own answer"
    );
    assert_eq!(
        author
            .post(app.url(&format!("{api}/submit")))
            .send()
            .await
            .unwrap()
            .status(),
        422,
        "every question must be answered"
    );
    let questions = owner_answers["questions"].as_array().unwrap().clone();
    for q in &questions {
        let k = q["key"].as_str().unwrap();
        if k == key {
            continue;
        }
        let answer = match q["kind"]["type"].as_str().unwrap() {
            "ranking" => json!({ "type": "ranking", "value": q["kind"]["options"] }),
            _ => json!({ "type": "text", "value": "A plain answer." }),
        };
        for who in [Who::Author, Who::Owner] {
            let r = client(who)
                .put(app.url(&format!("{api}/answers/{k}")))
                .json(&json!({ "answer": answer }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    assert_eq!(
        author
            .post(app.url(&format!("{api}/submit")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        owner
            .post(app.url(&format!("{api}/submit")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (f, _) = walk("answering", false).await;
    failures.extend(f);

    // Reveal without everyone: refused with the names, then confirmed.
    let refused = owner
        .post(app.url(&format!("{api}/reveal")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("Oli Other"));
    assert_eq!(
        leader
            .post(app.url(&format!("{api}/reveal")))
            .json(&json!({"confirm": true}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let locked = author
        .put(app.url(&format!("{api}/answers/{key}")))
        .header("if-match", "\"1\"")
        .json(&json!({ "answer": { "type": "text", "value": "changed after the reveal" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 409, "answers lock at the reveal");
    for (question, note, shared) in [(key, PRIVATE_NOTE, false), ("why-us", SHARED_NOTE, true)] {
        let saved = owner
            .put(app.url(&format!("{api}/notes/{question}/{author_id}")))
            .json(&json!({ "note": format!("Listen again {note}"), "flag": "partly", "shared": shared }))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200);
    }
    let (f, seen) = walk("revealed", true).await;
    failures.extend(f);
    seen_after_reveal += seen;

    assert_eq!(
        owner
            .post(app.url(&format!("{api}/close")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (f, seen) = walk("closed", true).await;
    failures.extend(f);
    seen_after_reveal += seen;

    let mails = smtp.messages();
    assert!(
        !mails.is_empty(),
        "sending the round mailed its participants"
    );
    for mail in &mails {
        for (author, marker) in MARKERS {
            if mail.contains(marker) {
                failures.push(format!("a mail carried {author:?}'s answer:\n{mail}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Owner, leader and the (left-out) other participant read the author's and
    // the owner's answers in the session page and API, in two states; the
    // author reads the pillars on the vision's pages and routes, and the note
    // shared with them in the session page and API.
    assert!(
        seen_after_reveal >= 2 * 2 * 4 + 2 * 6 + 2 * 2,
        "revealed answers were not shown ({seen_after_reveal})"
    );
    app.stop().await;
}

on_both_databases!(nobody_reads_an_answer_before_the_reveal);
