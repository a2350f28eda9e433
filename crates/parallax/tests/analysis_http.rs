//! The analysis engine in the product: after the reveal a background job
//! compares the answers; the session and summary show scores, claims,
//! contradictions, the index, the heatmap and patterns. Runs with the real
//! model (PARALLAX_MODEL_DIR, installed by scripts/test.sh) and with the
//! lexical fallback.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Db, TestApp};
use reqwest::Client;
use serde_json::{Value, json};

const LEADER: [&str; 3] = [
    "Independent physiotherapy clinics with 3 to 15 practitioners. They have no IT staff.",
    "Growth: 1,000 paying clinics in three years and a team of 35.",
    "Relief: the front desk stops rescheduling by phone.",
];
const TECH: [&str; 3] = [
    "Large clinic groups with 20 or more locations and their own IT department.",
    "300 clinics in three years, mostly groups, and a platform team of 6.",
    "Relief: the front desk stops rescheduling by phone.",
];

/// Opens, answers, reveals a round in which three text questions differ as
/// above, the ranking is reversed and the rest agree; returns the session
/// API URL.
async fn revealed_round(
    app: &TestApp,
    owner: &Client,
    w: i64,
    tech: &Client,
    tech_id: i64,
) -> String {
    let keys = ["ideal-customer", "horizon-3", "feeling"];
    let (_, api) =
        common::revealed_round(app, owner, w, "Analysed", &[(tech, tech_id)], |q, who| {
            let key = q["key"].as_str().unwrap();
            match keys.iter().position(|k| *k == key) {
                Some(i) => {
                    json!({"type": "text", "value": if who == 0 { LEADER[i] } else { TECH[i] }})
                }
                None if q["kind"]["type"] == "ranking" => {
                    let mut order: Vec<Value> = q["kind"]["options"].as_array().unwrap().clone();
                    if who > 0 {
                        order.reverse();
                    }
                    json!({"type": "ranking", "value": order})
                }
                None => json!({"type": "text", "value": "Known for reliability."}),
            }
        })
        .await;
    format!("{api}/session")
}

async fn finished_analysis(client: &Client, session: &str) -> Value {
    for _ in 0..300 {
        let body = common::get_json(client, session).await;
        match body["analysis"]["status"].as_str() {
            Some("done") => return body["analysis"]["result"].clone(),
            Some("failed") => panic!("analysis failed"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the analysis did not finish in 30 s");
}

/// A page of the round whose session API URL is `session`: "session" or
/// "summary".
async fn round_page(client: &Client, session: &str, page: &str) -> String {
    let base = session
        .trim_end_matches("/session")
        .replace("/api/v1/workspaces", "/w");
    common::get_text(client, &format!("{base}/{page}")).await
}

fn cell<'a>(analysis: &'a Value, key: &str) -> &'a Value {
    &analysis["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["key"] == key)
        .unwrap()["cells"][0]
}

async fn check_analysis(app: &TestApp, method: &str) {
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let session = revealed_round(app, &owner, w, &tech, tech_id).await;
    let analysis = finished_analysis(&owner, &session).await;
    assert_eq!(analysis["method"], method);
    let same = cell(&analysis, "feeling")["score"].as_f64().unwrap();
    let different = cell(&analysis, "ideal-customer")["score"].as_f64().unwrap();
    assert!(same > 90.0, "identical answers score ~100, got {same}");
    assert!(
        different < same - 20.0,
        "different customers score lower ({different} vs {same})"
    );
    let horizon = cell(&analysis, "horizon-3");
    let contradictions = horizon["text"]["contradictions"].as_array().unwrap();
    assert!(
        contradictions
            .iter()
            .any(|c| c["explanation"].as_str().unwrap().contains("1,000")
                && c["explanation"].as_str().unwrap().contains("300")),
        "1,000 vs 300 clinics is flagged: {horizon}"
    );
    let ranking = cell(&analysis, "priorities");
    assert!(
        ranking["score"].as_f64().unwrap() < 10.0,
        "a reversed ranking scores near 0: {ranking}"
    );
    assert!(analysis["index"]["overall"].as_f64().is_some());
    assert!(
        analysis["heatmap_svg"]
            .as_str()
            .unwrap()
            .starts_with("<svg")
    );

    let page = round_page(&tech, &session, "session").await;
    assert!(page.contains("/ 100 ·"), "the session shows scores");
    assert!(
        page.contains("only by Lena") && page.contains("only by Tom"),
        "explanations name the people"
    );
    assert!(!page.contains("only in A") && !page.contains("only in B"));
    assert!(
        page.contains("/ 100 · rank order"),
        "a ranking is scored by rank order, not by the text model"
    );
    let text_method = if method == "minilm" {
        "MiniLM"
    } else {
        "lexical"
    };
    assert!(page.contains(&format!("/ 100 · {text_method}")));
    assert!(
        page.contains("<mark class=\"only-b\">") || page.contains("<mark class=\"shared\">"),
        "claims are highlighted in the answers"
    );
    assert!(page.contains("contradiction"));
    if method == "lexical" {
        assert!(
            page.contains("Scores by the lexical fallback"),
            "the fallback says so"
        );
    } else {
        assert!(page.contains("Scores by the text model"));
    }
    let summary = round_page(&owner, &session, "summary").await;
    assert!(
        summary.contains("Alignment index")
            && summary.contains("<svg")
            && summary.contains("Patterns")
    );
}

async fn lexical_fallback_analyses_a_revealed_round(db: Db) {
    let app = TestApp::spawn(db).await;
    check_analysis(&app, "lexical").await;
    app.stop().await;
}

/// Waits until the worker has embedded every submitted answer.
async fn backlog_drained(app: &TestApp) {
    let analyzer = app.server.app.analyzer();
    for _ in 0..300 {
        if analyzer.backlog() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the submitted answers were not embedded within 30 s");
}

/// How many distinct claims `answers` hold: what an analysis embeds when
/// none of them was cached.
fn distinct_claims(answers: &[&str]) -> u64 {
    let claims: std::collections::BTreeSet<String> = answers
        .iter()
        .flat_map(|a| parallax_engine::split_claims(a))
        .map(|c| c.text)
        .collect();
    claims.len() as u64
}

/// Switches the workspace's analysis on or off as its owner.
async fn switch_analysis(app: &TestApp, owner: &Client, w: i64, on: bool) {
    let response = owner
        .patch(app.url(&format!("/api/v1/workspaces/{w}/settings")))
        .json(&json!({ "analysis_enabled": on }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// A test server with the real model loaded.
async fn spawn_with_model(db: Db) -> TestApp {
    let dir = std::env::var("PARALLAX_MODEL_DIR")
        .expect("PARALLAX_MODEL_DIR must name the installed model (scripts/test.sh installs it)");
    let model = tokio::task::spawn_blocking(move || {
        parallax_minilm::MiniLm::load(std::path::Path::new(&dir)).expect("model loads")
    })
    .await
    .unwrap();
    let app = TestApp::spawn(db).await;
    app.server.app.set_embedder(Arc::new(model)).await.unwrap();
    app
}

async fn minilm_analyses_a_revealed_round(db: Db) {
    let app = spawn_with_model(db).await;
    check_analysis(&app, "minilm").await;
    app.stop().await;
}

/// Submitted answers are embedded before the reveal, so the analysis at the
/// reveal finds every claim cached and embeds nothing itself; nothing of it
/// shows before the reveal.
async fn submitted_answers_are_embedded_before_the_reveal(db: Db) {
    let app = spawn_with_model(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let (_, api) = common::answered_round(
        &app,
        &owner,
        w,
        "Prepared",
        &[(&tech, tech_id)],
        |q, who| common::text_or_offered_ranking(q, if who == 0 { LEADER[0] } else { TECH[0] }),
    )
    .await;
    let metrics = common::get_text(&owner, &app.url("/metrics")).await;
    assert!(
        metrics.contains("\nparallax_text_model_ready 1\n"),
        "{metrics}"
    );
    backlog_drained(&app).await;
    let before = owner.get(format!("{api}/session")).send().await.unwrap();
    assert_eq!(
        before.status(),
        409,
        "no session, no analysis before the reveal"
    );
    common::post_empty(&owner, &format!("{api}/reveal"), 204).await;
    let analysis = finished_analysis(&owner, &format!("{api}/session")).await;
    assert_eq!(analysis["method"], "minilm");
    assert_eq!(
        analysis["embedded"], 0,
        "every claim was embedded at submit time"
    );
    app.stop().await;
}

async fn analysis_can_be_switched_off(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    assert_eq!(
        tech.patch(app.url(&format!("/api/v1/workspaces/{w}/settings")))
            .json(&json!({"analysis_enabled": false}))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        owner
            .patch(app.url(&format!("/api/v1/workspaces/{w}/settings")))
            .json(&json!({"analysis_enabled": false}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let session = revealed_round(&app, &owner, w, &tech, tech_id).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body: Value = owner
        .get(&session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["analysis"]["status"], "off");
    let page = round_page(&owner, &session, "session").await;
    assert!(page.contains("switched off") && !page.contains("/ 100 ·"));
    // Switching it on analyses the rounds revealed meanwhile.
    let on = owner
        .post(app.url(&format!("/w/{w}/settings/analysis")))
        .form(&[("enabled", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), 303);
    assert_eq!(
        finished_analysis(&owner, &session).await["method"],
        "lexical"
    );
    app.stop().await;
}

/// No round's analysis can find another round's answers in the cache: the
/// same person writing the same words to the same questions in a second
/// round has them embedded afresh. (Round 1 stays unrevealed: were its
/// vectors found, the analysis of round 2 would say so in how much it
/// embedded.)
async fn cached_vectors_are_scoped_to_their_round(db: Db) {
    let app = spawn_with_model(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    // Round 1, never revealed: Tom's answers are embedded at submit.
    common::answered_round(&app, &owner, w, "First", &[(&tech, tech_id)], |q, who| {
        common::text_or_offered_ranking(q, if who == 0 { LEADER[0] } else { TECH[0] })
    })
    .await;
    backlog_drained(&app).await;
    // Round 2, answered with analysis off: Tom writes his round-1 text again.
    switch_analysis(&app, &owner, w, false).await;
    const OTHER: &str = "Pricing per seat with a free tier for solo practitioners.";
    let (_, api) =
        common::revealed_round(&app, &owner, w, "Second", &[(&tech, tech_id)], |q, who| {
            common::text_or_offered_ranking(q, if who == 0 { OTHER } else { TECH[0] })
        })
        .await;
    backlog_drained(&app).await;
    switch_analysis(&app, &owner, w, true).await;
    let analysis = finished_analysis(&owner, &format!("{api}/session")).await;
    assert_eq!(
        analysis["embedded"].as_u64(),
        Some(distinct_claims(&[TECH[0], OTHER])),
        "nothing of round 1 was found in the cache"
    );
    app.stop().await;
}

/// An answer replaced after submitting leaves nothing the analysis could
/// find: vectors are cached per answer version, so a sentence the new
/// version keeps from the old one is embedded afresh, and how many texts the
/// analysis embedded says nothing about the replaced version.
async fn a_replaced_answer_leaves_no_trace_in_the_cache(db: Db) {
    const V1: &str = "Clinics with their own IT staff. They buy through a procurement process.";
    const V2: &str = "Clinics with their own IT staff. They expect single sign-on from day one.";
    let app = spawn_with_model(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let (_, api) =
        common::answered_round(&app, &owner, w, "Edited", &[(&tech, tech_id)], |q, who| {
            let tom = if q["key"] == "ideal-customer" {
                V1
            } else {
                TECH[2]
            };
            common::text_or_offered_ranking(q, if who == 0 { LEADER[0] } else { tom })
        })
        .await;
    backlog_drained(&app).await;
    // Analysis off, Tom rewrites his answer to the first question.
    switch_analysis(&app, &owner, w, false).await;
    let edited = tech
        .put(format!("{api}/answers/ideal-customer"))
        .json(&json!({"answer": {"type": "text", "value": V2}, "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    backlog_drained(&app).await;
    common::post_empty(&owner, &format!("{api}/reveal"), 204).await;
    switch_analysis(&app, &owner, w, true).await;
    let analysis = finished_analysis(&owner, &format!("{api}/session")).await;
    // Only the new version's claims were missing, including the sentence it
    // keeps from V1.
    assert_eq!(analysis["embedded"].as_u64(), Some(distinct_claims(&[V2])));
    app.stop().await;
}

/// A weight set on a question in the vision counts in the round's alignment
/// index: the index is the weighted mean of the question scores.
async fn question_weights_shape_the_alignment_index(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let question = app.url(&format!(
        "/api/v1/workspaces/{w}/vision/questions/ideal-customer"
    ));
    let body = |weight: i64| json!({"prompt": "Who is our ideal customer?", "kind": {"type": "text"}, "weight": weight});
    let too_heavy = owner
        .put(&question)
        .header("if-match", "\"1\"")
        .json(&body(11))
        .send()
        .await
        .unwrap();
    assert_eq!(too_heavy.status(), 422);
    let error: Value = too_heavy.json().await.unwrap();
    assert_eq!(error["error"]["fields"][0]["field"], "weight", "{error}");
    let weighted = owner
        .put(&question)
        .header("if-match", "\"1\"")
        .json(&body(5))
        .send()
        .await
        .unwrap();
    assert_eq!(weighted.status(), 200);
    // The page form: a weight that is no number is a field error and writes
    // nothing; an emptied field keeps the weight (5, checked below).
    let page_form = app.url(&format!("/w/{w}/vision/questions/ideal-customer"));
    let form = |weight: &'static str| {
        [
            ("version", "2"),
            ("prompt", "Who is our ideal customer?"),
            ("kind", "text"),
            ("weight", weight),
        ]
    };
    let not_a_number = owner
        .post(&page_form)
        .form(&form("lots"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_number.status(), 422);
    assert!(
        not_a_number
            .text()
            .await
            .unwrap()
            .contains("whole number from 1 to 10")
    );
    let kept = owner.post(&page_form).form(&form("")).send().await.unwrap();
    assert_eq!(kept.status(), 303);
    let page = common::get_text(&owner, &app.url(&format!("/w/{w}/vision"))).await;
    assert!(
        page.contains("counts ×5"),
        "the vision page shows the weight"
    );
    let vision =
        common::get_json(&owner, &app.url(&format!("/api/v1/workspaces/{w}/vision"))).await;
    assert_eq!(vision["version"], 3, "only the valid form was written");
    let weight_of = |key: &str| {
        vision["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["key"] == key)
            .unwrap()["weight"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(weight_of("ideal-customer"), 5.0);
    assert_eq!(weight_of("why-us"), 1.0);
    let session = revealed_round(&app, &owner, w, &tech, tech_id).await;
    let analysis = finished_analysis(&owner, &session).await;
    let (mut weighted_sum, mut weights, mut plain_sum, mut count) = (0.0, 0.0, 0.0, 0.0);
    for q in analysis["questions"].as_array().unwrap() {
        if let Some(score) = q["cells"][0]["score"].as_f64() {
            // A misaligned cell counts three times its weight (engine::index).
            let misaligned = if score < parallax_engine::GAP_BELOW {
                parallax_engine::index::MISALIGNED_WEIGHT
            } else {
                1.0
            };
            let weight = weight_of(q["key"].as_str().unwrap()) * misaligned;
            weighted_sum += weight * score;
            weights += weight;
            plain_sum += score;
            count += 1.0;
        }
    }
    let overall = analysis["index"]["overall"].as_f64().unwrap();
    assert!(
        (overall - weighted_sum / weights).abs() < 0.01,
        "index {overall} is the weighted mean {} (misaligned cells ×3)",
        weighted_sum / weights
    );
    assert!(
        (overall - plain_sum / count).abs() > 1.0,
        "the weight moved the index away from the plain mean {}",
        plain_sum / count
    );
    let summary = round_page(&owner, &session, "summary").await;
    assert!(
        summary.contains("Weighted questions: Who is our ideal customer? ×5."),
        "the summary names the weight"
    );
    // Once his round is revealed Tom reads the weights; a new round for him
    // hides them again (and the pillars) until it is revealed.
    let vision_url = app.url(&format!("/api/v1/workspaces/{w}/vision"));
    let weights = |vision: &Value| -> Vec<i64> {
        vision["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["weight"].as_i64().unwrap())
            .collect()
    };
    let toms = common::get_json(&tech, &vision_url).await;
    assert!(toms["hidden_by"].is_null(), "{toms}");
    assert!(weights(&toms).contains(&5));
    let next = common::create_round(&app, &owner, w, "Next quarter", &[tech_id]).await;
    let toms = common::get_json(&tech, &vision_url).await;
    assert_eq!(toms["hidden_by"]["title"], "Next quarter", "{toms}");
    assert!(weights(&toms).iter().all(|w| *w == 1), "{toms}");
    let round = common::get_json(
        &tech,
        &app.url(&format!("/api/v1/workspaces/{w}/rounds/{}", next["id"])),
    )
    .await;
    assert!(weights(&round).iter().all(|w| *w == 1), "{round}");
    let page = common::get_text(&tech, &app.url(&format!("/w/{w}/vision"))).await;
    assert!(page.contains("hidden for now") && !page.contains("counts ×5"));
    let earlier = round_page(&tech, &session, "summary").await;
    assert!(
        !earlier.contains("×5"),
        "an earlier round's summary does not show the weights either"
    );
    let earlier = common::get_json(&tech, &session).await;
    let earlier: Vec<i64> = earlier["analysis"]["result"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["weight"].as_i64().unwrap())
        .collect();
    assert!(earlier.iter().all(|w| *w == 1), "{earlier:?}");
    let leaders = common::get_json(&owner, &vision_url).await;
    assert!(
        weights(&leaders).contains(&5),
        "the leader reads the vision"
    );
    app.stop().await;
}

/// Two rounds with the model: the trend shows how Tom's own answer moved,
/// by meaning, with the claims that came and went; the listening session
/// carries none of it.
async fn a_second_round_shows_how_each_answer_moved(db: Db) {
    let app = spawn_with_model(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let lena = "Small independent clinics without IT staff, in Germany and Austria.";
    let answers = |tom_customer: &'static str| {
        move |q: &Value, who: usize| match (q["key"].as_str().unwrap(), &q["kind"]["type"]) {
            (_, kind) if kind == "ranking" => {
                json!({"type": "ranking", "value": q["kind"]["options"].clone()})
            }
            ("ideal-customer", _) => {
                json!({"type": "text", "value": if who == 0 { lena } else { tom_customer }})
            }
            _ => json!({"type": "text", "value": "Known for reliability."}),
        }
    };
    let groups = "Clinic groups with twenty or more locations and their own IT department.";
    let (_, spring) = common::revealed_round(
        &app,
        &owner,
        w,
        "Spring",
        &[(&tech, tech_id)],
        answers(groups),
    )
    .await;
    finished_analysis(&owner, &format!("{spring}/session")).await;
    let (_, api) = common::revealed_round(
        &app,
        &owner,
        w,
        "Summer",
        &[(&tech, tech_id)],
        answers("Small independent clinics without IT staff, first in Germany."),
    )
    .await;
    let summer = finished_analysis(&owner, &format!("{api}/session")).await;
    assert_eq!(
        summer["movements"],
        json!([]),
        "the session shows one round"
    );
    let trend = common::get_json(&owner, &app.url(&format!("/api/v1/workspaces/{w}/trend"))).await;
    let drift = |key: &str| {
        trend["drift"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["question_key"] == key && d["user_id"] == tech_id)
            .cloned()
            .unwrap_or_else(|| panic!("drift on {key}: {trend}"))
    };
    let customer = drift("ideal-customer");
    assert_eq!(customer["direction"], "toward", "{customer}");
    assert!(
        customer["similarity"].as_f64().unwrap() < 70.0,
        "{customer}"
    );
    let text = |list: &Value| list.to_string();
    assert!(
        text(&customer["appeared"]).contains("Small independent clinics")
            && text(&customer["disappeared"]).contains("Clinic groups"),
        "{customer}"
    );
    let same = drift("feeling");
    assert!(same["similarity"].as_f64().unwrap() > 90.0, "{same}");
    assert_eq!(same["direction"], "steady");
    app.stop().await;
}

on_both_databases!(
    a_second_round_shows_how_each_answer_moved,
    lexical_fallback_analyses_a_revealed_round,
    minilm_analyses_a_revealed_round,
    submitted_answers_are_embedded_before_the_reveal,
    cached_vectors_are_scoped_to_their_round,
    a_replaced_answer_leaves_no_trace_in_the_cache,
    question_weights_shape_the_alignment_index,
    analysis_can_be_switched_off
);
