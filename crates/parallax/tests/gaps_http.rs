//! The gap register through the real server: proposals from a revealed
//! round, gaps by hand, access by round, decisions, actions of each kind,
//! "my actions", closing with open actions, patterns and the next round
//! closing the loop.

mod common;

use std::time::Duration;

use common::{Db, TestApp};
use reqwest::Client;
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 3600 * 1000;

const LEADER: &str = "Independent physiotherapy clinics with 3 to 15 practitioners. They have no IT staff. 1,000 paying clinics in three years.";
const TECH: &str = "Large clinic groups with 20 or more locations and their own IT department. 300 clinics in three years.";

async fn get(client: &Client, url: String) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Opens, answers (every question in text, rankings as offered), reveals a
/// round and waits for its analysis; returns its id.
async fn revealed_round(
    app: &TestApp,
    owner: &Client,
    w: i64,
    tech: &Client,
    tech_id: i64,
    title: &str,
    (mine, theirs): (&str, &str),
) -> i64 {
    let (r, api) = common::revealed_round(app, owner, w, title, &[(tech, tech_id)], |q, who| {
        common::text_or_offered_ranking(q, if who == 0 { mine } else { theirs })
    })
    .await;
    for _ in 0..300 {
        let (_, session) = get(owner, format!("{api}/session")).await;
        if session["analysis"]["status"] == "done" {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the analysis did not finish");
}

async fn flag(app: &TestApp, owner: &Client, w: i64, r: i64, key: &str, who: i64, flag: &str) {
    let saved = owner
        .put(app.url(&format!(
            "/api/v1/workspaces/{w}/rounds/{r}/notes/{key}/{who}"
        )))
        .json(&json!({"note": format!("{key} is {flag}"), "flag": flag}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
}

async fn proposals(app: &TestApp, client: &Client, w: i64) -> Vec<Value> {
    let (status, body) = get(
        client,
        app.url(&format!("/api/v1/workspaces/{w}/gaps/proposals")),
    )
    .await;
    assert_eq!(status, 200);
    body["proposals"].as_array().unwrap().clone()
}

async fn proposals_decisions_actions_and_access(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@partner.test")
        .await;
    let (member, _) = app.join(&owner, w, "member", "Max", "max@acme.test").await;
    let (advisor, _) = app
        .join(&owner, w, "advisor", "Ava", "ava@board.test")
        .await;
    let (stranger, _) = app.sign_up("Xena", "xena@other.test").await;
    let gaps_url = app.url(&format!("/api/v1/workspaces/{w}/gaps"));

    // A round that is not revealed gives no gaps and no proposals.
    let draft: Value = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/rounds")))
        .json(&json!({"title": "Draft", "participants": [tech_id]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let early = owner
        .post(&gaps_url)
        .json(&json!({"round_id": draft["id"], "title": "Too early", "severity": "high"}))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 422);
    assert!(proposals(&app, &owner, w).await.is_empty());

    let r = revealed_round(&app, &owner, w, &tech, tech_id, "Q1", (LEADER, TECH)).await;
    flag(&app, &owner, w, r, "ideal-customer", tech_id, "misaligned").await;
    flag(&app, &owner, w, r, "feeling", tech_id, "aligned").await;
    let offered = proposals(&app, &owner, w).await;
    let key = format!("ideal-customer:{tech_id}");
    let flagged = offered
        .iter()
        .find(|p| p["key"] == key.as_str())
        .expect("the misaligned flag is proposed");
    assert_eq!(flagged["source"], "flag");
    assert_eq!(flagged["severity"], "high");
    let title = flagged["title"].as_str().unwrap();
    assert!(
        title.starts_with("Two readings of") && title.contains(" and "),
        "a gap lies between two readings, the title blames no one: {title}"
    );
    assert!(!title.contains("differently"), "{title}");
    assert!(
        !offered
            .iter()
            .any(|p| p["key"] == format!("feeling:{tech_id}").as_str()),
        "a question flagged aligned is not proposed"
    );
    let horizon = offered
        .iter()
        .find(|p| p["key"] == format!("horizon-3:{tech_id}").as_str())
        .expect("contradicting numbers are proposed");
    assert!(horizon["description"].as_str().unwrap().contains("1,000"));
    assert_eq!(
        tech.get(app.url(&format!("/api/v1/workspaces/{w}/gaps/proposals")))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "proposals are for those who manage gaps"
    );

    // Accept with an edited title; dismiss another; neither comes back.
    let accepted = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/gaps/proposals/accept")))
        .json(&json!({"round_id": r, "key": key, "title": "Small clinics vs clinic groups"}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 201);
    let gap: Value = accepted.json().await.unwrap();
    let g = gap["id"].as_i64().unwrap();
    assert_eq!(gap["title"], "Small clinics vs clinic groups");
    assert_eq!(gap["status"], "open");
    let again = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/gaps/proposals/accept")))
        .json(&json!({"round_id": r, "key": key}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "a proposal becomes a gap once");
    let dismissed = owner
        .post(app.url(&format!("/api/v1/workspaces/{w}/gaps/proposals/dismiss")))
        .json(&json!({"round_id": r, "key": format!("horizon-3:{tech_id}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(dismissed.status(), 204);
    let left = proposals(&app, &owner, w).await;
    assert!(
        left.iter().all(
            |p| p["key"] != key.as_str() && p["key"] != format!("horizon-3:{tech_id}").as_str()
        )
    );
    // A manual gap with the same title as an open one keeps that title out of proposals.
    let by_hand = tech
        .post(&gaps_url)
        .json(&json!({"round_id": r, "question_key": "why-us", "participant_id": tech_id, "title": "Why customers choose us", "description": "We lead with different reasons.", "severity": "medium"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_hand.status(), 201, "participants add gaps by hand");
    assert!(
        proposals(&app, &owner, w)
            .await
            .iter()
            .all(|p| p["key"] != format!("why-us:{tech_id}").as_str()),
        "no proposal duplicates an open gap"
    );

    // Bad input is refused with 4xx.
    for body in [
        json!({"round_id": r, "title": "x", "severity": "high"}),
        json!({"round_id": r, "title": "Fine title", "severity": "urgent"}),
        json!({"round_id": r, "title": "Fine title", "severity": "high", "question_key": "nope"}),
        json!({"round_id": r, "title": "Fine title", "severity": "high", "extra": 1}),
    ] {
        let status = owner
            .post(&gaps_url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_client_error(), "{body}: {status}");
    }

    // Access follows the round.
    let gap_url = format!("{gaps_url}/{g}");
    assert_eq!(get(&tech, gap_url.clone()).await.0, 200);
    for (who, client) in [
        ("member", &member),
        ("advisor", &advisor),
        ("stranger", &stranger),
    ] {
        assert_eq!(get(client, gap_url.clone()).await.0, 404, "{who}");
    }
    let (_, members_list) = get(&member, gaps_url.clone()).await;
    assert!(members_list["gaps"].as_array().unwrap().is_empty());
    let tech_edit = tech
        .patch(&gap_url)
        .json(&json!({"title": "Mine now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tech_edit.status(), 403);

    // Actions of each kind, owned by the partner's technical lead.
    let kinds = [
        "priority_change",
        "team_structure",
        "process_change",
        "communication",
    ];
    let mut actions = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let due = if i == 0 {
            1_000_000_000_000_i64
        } else {
            4_000_000_000_000
        };
        let added = owner
            .post(format!("{gap_url}/actions"))
            .json(&json!({"kind": kind, "title": format!("Do the {kind}"), "owner_id": tech_id, "due_at": due}))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 201);
        actions.push(added.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let (_, members) = get(&owner, app.url(&format!("/api/v1/workspaces/{w}/members"))).await;
    let max_id = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Max")
        .unwrap()["user_id"]
        .as_i64()
        .unwrap();
    let hidden_owner = owner
        .post(format!("{gap_url}/actions"))
        .json(&json!({"kind": "communication", "title": "Tell Max", "owner_id": max_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        hidden_owner.status(),
        422,
        "owners must see the gap's round"
    );
    let (_, mine) = get(&tech, app.url("/api/v1/actions")).await;
    let mine = mine["actions"].as_array().unwrap();
    assert_eq!(mine.len(), 4);
    assert_eq!(mine.iter().filter(|a| a["overdue"] == true).count(), 1);
    let page = tech
        .get(app.url("/actions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Do the team_structure") && page.contains("overdue"));
    let done = tech
        .patch(format!("{gap_url}/actions/{}", actions[0]))
        .json(&json!({"from": "open", "status": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200, "the owner updates their action");
    let stale = owner
        .patch(format!("{gap_url}/actions/{}", actions[0]))
        .json(&json!({"from": "open", "status": "dropped"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        409,
        "a change based on an old status is refused"
    );
    let message: Value = stale.json().await.unwrap();
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Done"),
        "{message}"
    );
    let commented = tech
        .post(format!("{gap_url}/actions/{}/comments", actions[1]))
        .json(&json!({"body": "Started with the platform team."}))
        .send()
        .await
        .unwrap();
    assert_eq!(commented.status(), 201);
    let (_, mine) = get(&tech, app.url("/api/v1/actions")).await;
    assert_eq!(mine["actions"].as_array().unwrap().len(), 3);

    // Decision, stale edits, closing with open actions.
    let no_decision = owner
        .patch(&gap_url)
        .json(&json!({"status": "decided", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_decision.status(), 422);
    // The page form: the same refusal re-renders the gap page with what was
    // typed, the error beside the field and the person still signed in.
    let page_url = app.url(&format!("/w/{w}/gaps/{g}/status"));
    let refused = owner
        .post(&page_url)
        .form(&[("version", "1"), ("status", "decided"), ("decision", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("id=\"form-errors\"") && page.contains("Write down the decision taken"),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"decided\" selected>"),
        "the chosen status is kept"
    );
    assert!(page.contains(">Sign out</button>"), "still signed in");
    let stale = owner
        .post(&page_url)
        .form(&[
            ("version", "7"),
            ("status", "accepted"),
            ("decision", "Groups first after all."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let page = stale.text().await.unwrap();
    assert!(
        page.contains("Groups first after all.") && page.contains("Someone changed this gap"),
        "{page}"
    );
    let untitled = owner
        .post(app.url(&format!("/w/{w}/gaps/{g}")))
        .form(&[
            ("version", "1"),
            ("title", ""),
            ("description", "Kept text"),
            ("severity", "low"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(untitled.status(), 422);
    let page = untitled.text().await.unwrap();
    assert!(
        page.contains("<details id=\"edit-gap\" open>") && page.contains("Kept text"),
        "{page}"
    );
    let decided = owner
        .patch(&gap_url)
        .json(&json!({"status": "decided", "decision": "Small clinics first; groups in 2028.", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 200);
    let stale = owner
        .patch(&gap_url)
        .json(&json!({"severity": "low", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let stale: Value = stale.json().await.unwrap();
    assert_eq!(stale["error"]["current"]["version"], 2);
    let close = owner
        .patch(&gap_url)
        .json(&json!({"status": "closed", "version": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(close.status(), 409);
    assert!(
        close
            .text()
            .await
            .unwrap()
            .contains("Do the team_structure")
    );
    let page = owner
        .post(app.url(&format!("/w/{w}/gaps/{g}/status")))
        .form(&[("version", "2"), ("status", "closed")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 409);
    assert!(page.text().await.unwrap().contains("Close anyway"));
    let closed = owner
        .patch(&gap_url)
        .header("if-match", "\"2\"")
        .json(&json!({"status": "closed", "confirm": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200);
    let (_, detail) = get(&tech, gap_url.clone()).await;
    assert_eq!(detail["status"], "closed");
    assert_eq!(detail["decision"], "Small clinics first; groups in 2028.");
    assert_eq!(
        detail["actions"][1]["comments"][0]["body"],
        "Started with the platform team."
    );
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert!(
        history.iter().any(|h| h.contains("status → Closed")),
        "{history:?}"
    );
    let (_, audit) = get(&owner, app.url(&format!("/api/v1/workspaces/{w}/audit"))).await;
    let audit = audit.to_string();
    for action in [
        "gap.accepted",
        "gap.added",
        "gap.proposal_dismissed",
        "gap.changed",
        "gap.action_added",
        "gap.action_changed",
        "gap.action_commented",
    ] {
        assert!(audit.contains(action), "audit log lacks {action}");
    }
    app.stop().await;
}

async fn the_next_round_closes_the_loop_and_patterns_recur(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@partner.test")
        .await;
    let gaps_url = app.url(&format!("/api/v1/workspaces/{w}/gaps"));
    let r1 = revealed_round(&app, &owner, w, &tech, tech_id, "Q1", (LEADER, TECH)).await;
    for key in ["ideal-customer", "horizon-3"] {
        let added = owner
            .post(&gaps_url)
            .json(&json!({"round_id": r1, "question_key": key, "participant_id": tech_id, "title": format!("Different readings of {key}"), "severity": "high"}))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 201);
    }
    let (_, list) = get(&owner, gaps_url.clone()).await;
    assert!(
        list["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["loop_check"].is_null())
    );

    // Round 2: the same answers on both sides; the leader flags the customer aligned.
    let r2 = revealed_round(&app, &owner, w, &tech, tech_id, "Q2", (LEADER, LEADER)).await;
    flag(&app, &owner, w, r2, "ideal-customer", tech_id, "aligned").await;
    let (_, list) = get(&owner, gaps_url.clone()).await;
    let gaps = list["gaps"].as_array().unwrap();
    let customer = gaps
        .iter()
        .find(|g| g["question_key"] == "ideal-customer")
        .unwrap();
    assert_eq!(customer["loop_check"]["aligned"], true, "{customer}");
    assert_eq!(customer["loop_check"]["round_title"], "Q2");
    let horizon = gaps
        .iter()
        .find(|g| g["question_key"] == "horizon-3")
        .unwrap();
    assert_eq!(
        horizon["loop_check"]["aligned"], true,
        "identical answers score high in the analysis: {horizon}"
    );
    let page = owner
        .get(app.url(&format!("/w/{w}/gaps")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Aligned now in") && page.contains("Close gap"));

    // A gap on the same question in round 2 makes a pattern across rounds.
    let again = owner
        .post(&gaps_url)
        .json(&json!({"round_id": r2, "question_key": "horizon-3", "title": "Targets still apart", "severity": "medium"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    let (_, patterns) = get(&owner, format!("{gaps_url}/patterns")).await;
    let pattern = patterns["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["by"] == "question")
        .expect("a question pattern");
    assert_eq!(pattern["rounds"], 2);
    assert_eq!(pattern["in_latest_round"], 1);
    assert_eq!(pattern["in_previous_round"], 1);
    assert_eq!(pattern["trend"], "steady");
    let (_, tech_patterns) = get(&tech, format!("{gaps_url}/patterns")).await;
    assert_eq!(
        tech_patterns["patterns"].as_array().unwrap().len(),
        1,
        "participants see the same"
    );

    // Round 3: apart again on the customer, which summer showed aligned: a
    // drift, proposed as such.
    let r3 = revealed_round(&app, &owner, w, &tech, tech_id, "Q3", (LEADER, TECH)).await;
    flag(&app, &owner, w, r3, "ideal-customer", tech_id, "misaligned").await;
    let (_, proposals) = get(&owner, format!("{gaps_url}/proposals")).await;
    let drift = proposals["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["question_key"] == "ideal-customer")
        .expect("the customer question is proposed again");
    assert_eq!(drift["round_id"], r3);
    assert_eq!(drift["source"], "drift", "{drift}");
    assert_eq!(drift["severity"], "high");
    assert!(
        drift["title"]
            .as_str()
            .unwrap()
            .starts_with("Drifted apart on")
            && drift["description"]
                .as_str()
                .unwrap()
                .starts_with("Aligned in “Q2”"),
        "{drift}"
    );
    app.stop().await;
}

/// A client signed in with the demo's login number `which`.
async fn demo_login(app: &TestApp, which: usize) -> Client {
    let client = app.client();
    let login = &parallax::demo::LOGINS[which];
    let signed_in = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": login.email, "password": login.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    client
}

async fn the_demo_tells_a_story_over_months(db: Db) {
    let app = TestApp::spawn(db).await;
    assert!(parallax::demo::seed(&app.server.app).await.unwrap());
    let lena = demo_login(&app, 0).await;
    let (_, workspaces) = get(&lena, app.url("/api/v1/workspaces")).await;
    let w = workspaces["workspaces"][0]["id"].as_i64().unwrap();
    let (_, gaps) = get(&lena, app.url(&format!("/api/v1/workspaces/{w}/gaps"))).await;
    let gaps = gaps["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 4);
    let customer = gaps
        .iter()
        .find(|g| g["question_key"] == "ideal-customer")
        .unwrap();
    assert_eq!(
        (
            customer["status"].as_str(),
            customer["open_actions"].as_i64()
        ),
        (Some("closed"), Some(0)),
        "the customer gap closed once its actions were done and summer's round agreed"
    );
    let targets = gaps
        .iter()
        .find(|g| g["question_key"] == "horizon-3")
        .unwrap();
    assert_eq!(targets["status"], "decided");
    assert_eq!(
        targets["loop_check"]["aligned"], true,
        "round 2 closes the loop"
    );

    // A story over months: rounds a quarter apart, answers that moved.
    let (_, rounds) = get(&lena, app.url(&format!("/api/v1/workspaces/{w}/rounds"))).await;
    let rounds = rounds["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 3, "spring, summer and the open winter round");
    let sent: Vec<i64> = rounds
        .iter()
        .map(|r| r["created_at"].as_i64().unwrap())
        .collect();
    let (first, last) = (sent.iter().min().unwrap(), sent.iter().max().unwrap());
    assert!(
        last - first > 150 * DAY_MS,
        "the rounds span half a year: {sent:?}"
    );
    let (open, revealed): (Vec<&Value>, Vec<&Value>) =
        rounds.iter().partition(|r| r["state"] == "answering");
    assert_eq!(open.len(), 1, "one round waits for answers now");
    let cadence =
        common::get_json(&lena, &app.url(&format!("/api/v1/workspaces/{w}/cadence"))).await;
    assert_eq!(cadence["in_words"], "every 3 months");
    let next = cadence["next"][0]["at"].as_i64().unwrap();
    assert!(
        next - open[0]["created_at"].as_i64().unwrap() > 80 * DAY_MS,
        "the next round is a quarter after the open one"
    );
    assert!(
        revealed.iter().all(|r| r["state"] == "closed"),
        "the earlier rounds are done with"
    );
    // Summer asked Tom every question again: nothing from spring is
    // proposed any more.
    let spring_id = revealed[1]["id"].clone();
    let (_, proposals) = get(
        &lena,
        app.url(&format!("/api/v1/workspaces/{w}/gaps/proposals")),
    )
    .await;
    assert!(
        proposals["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["round_id"] != spring_id),
        "{proposals}"
    );
    let mut sessions = Vec::new();
    for round in revealed.iter().rev() {
        let id = round["id"].as_i64().unwrap();
        let url = app.url(&format!("/api/v1/workspaces/{w}/rounds/{id}/session"));
        sessions.push(get(&lena, url).await.1);
    }
    let answer = |session: &Value, who: i64, key: &str| -> String {
        session["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["user_id"] == who && a["question_key"] == key)
            .map(|a| a["answer"].to_string())
            .expect("both answered every question")
    };
    let (_, members) = get(&lena, app.url(&format!("/api/v1/workspaces/{w}/members"))).await;
    let id_of = |email: &str| {
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .and_then(|m| m["user_id"].as_i64())
            .unwrap()
    };
    let (lena_id, tom_id) = (
        id_of(parallax::demo::LOGINS[0].email),
        id_of(parallax::demo::LOGINS[1].email),
    );
    let keys = [
        "ideal-customer",
        "why-us",
        "feeling",
        "horizon-3",
        "horizon-5",
        "horizon-10",
        "priorities",
    ];
    for key in keys {
        assert_ne!(
            answer(&sessions[0], tom_id, key),
            answer(&sessions[1], tom_id, key),
            "{key}: Tom's answer moved between spring and summer"
        );
        for session in &sessions {
            assert_ne!(
                answer(session, tom_id, key),
                answer(session, lena_id, key),
                "{key}: Tom's answer is his own, not a copy of Lena's"
            );
        }
    }
    // Over time: both revealed rounds, oldest first; Lena sees Tom's drift,
    // Tom sees only his own; the open winter round is not there.
    let trend_url = app.url(&format!("/api/v1/workspaces/{w}/trend"));
    let (_, trend) = get(&lena, trend_url.clone()).await;
    let titles: Vec<&str> = trend["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Spring 2026 alignment", "Summer 2026 alignment"]);
    assert_eq!(trend["rounds"][0]["gaps_opened"], 3);
    assert_eq!(
        trend["rounds"][0]["gaps_settled"], 1,
        "the customer gap closed"
    );
    assert_eq!(trend["sees_everyone"], true);
    let tom = demo_login(&app, 1).await;
    let (_, toms) = get(&tom, trend_url).await;
    assert_eq!(toms["sees_everyone"], false);
    let (_, patterns) = get(
        &lena,
        app.url(&format!("/api/v1/workspaces/{w}/gaps/patterns")),
    )
    .await;
    let priorities = patterns["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["by"] == "question")
        .expect("the priorities question recurs");
    assert_eq!(priorities["rounds"], 2);
    assert_eq!(
        priorities["participants"], 1,
        "only Tom answers beside Lena"
    );
    let page = common::get_text(&lena, &app.url(&format!("/w/{w}/gaps/patterns"))).await;
    assert!(
        page.contains("1 person") && !page.contains("1 people"),
        "one person, in words a leader reads"
    );
    let (_, actions) = get(&lena, app.url("/api/v1/actions")).await;
    assert!(
        actions["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["overdue"] == true)
    );
    app.stop().await;
}

on_both_databases!(
    proposals_decisions_actions_and_access,
    the_next_round_closes_the_loop_and_patterns_recur,
    the_demo_tells_a_story_over_months
);
