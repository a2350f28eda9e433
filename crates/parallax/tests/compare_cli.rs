//! `parallax compare`: the score a leader acts on, from outside the app.
//! Runs with the real model (PARALLAX_MODEL_DIR, installed by
//! scripts/test.sh): short answers as a new user types them.

use serde_json::Value;

fn model_dir() -> String {
    std::env::var("PARALLAX_MODEL_DIR").expect(
        "PARALLAX_MODEL_DIR is not set: point it at an installed all-MiniLM-L6-v2 \
         (scripts/test.sh installs one); these tests need the real model",
    )
}

fn compare(question: &str, a: &str, b: &str) -> Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_parallax"))
        .args([
            "compare",
            "--json",
            "--question",
            question,
            "--a",
            a,
            "--b",
            b,
        ])
        .args(["--model", &model_dir()])
        .env_remove("PARALLAX_CONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn conflicts(result: &Value) -> Vec<&str> {
    result["contradictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conflict"].as_str().unwrap())
        .collect()
}

#[test]
fn a_negated_claim_is_a_gap_not_an_agreement() {
    let r = compare(
        "Who is our ideal customer?",
        "We sell to large enterprises.",
        "We do not sell to large enterprises.",
    );
    assert_eq!(r["method"], "minilm");
    assert_eq!(r["gap"], true, "{r}");
    assert!(r["score"].as_f64().unwrap() < 30.0, "{r}");
    assert_eq!(conflicts(&r), ["negation"], "{r}");
    assert!(r["shared"].as_array().unwrap().is_empty(), "{r}");
    assert!(
        r["explanation"].as_str().unwrap().contains("negated"),
        "{r}"
    );
}

#[test]
fn a_figure_off_by_a_factor_is_a_gap() {
    for (a, b) in [
        ("€12M ARR", "€1.2M ARR"),
        ("400 customers, 80 employees", "40 customers, 35 employees"),
    ] {
        let r = compare("Where does the company stand in 3 years?", a, b);
        assert_eq!(r["gap"], true, "{a} / {b}: {r}");
        assert!(conflicts(&r).contains(&"magnitude"), "{a} / {b}: {r}");
    }
}

#[test]
fn numbers_in_words_agree_with_digits() {
    let r = compare(
        "Where does the company stand in 3 years?",
        "400 customers and a third of revenue from Germany.",
        "Four hundred customers, 33% of revenue from Germany.",
    );
    assert!(conflicts(&r).is_empty(), "{r}");
    assert_eq!(r["gap"], false, "{r}");
}

#[test]
fn opposite_positions_are_contradictions_with_both_spans() {
    let r = compare(
        "Where does the company stand in 5 years?",
        "In five years onshore wind remains our core.",
        "In five years half of our revenue comes from outside onshore wind.",
    );
    assert_eq!(conflicts(&r), ["opposition"], "{r}");
    let c = &r["contradictions"][0];
    assert_eq!(c["a"], "In five years onshore wind remains our core.");
    assert!(c["b"].as_str().unwrap().contains("outside onshore"));
    assert_eq!(r["gap"], true, "{r}");
}

#[test]
fn a_paraphrase_with_the_same_figures_is_aligned() {
    let r = compare(
        "Where does the company stand in 3 years?",
        "In three years we serve 300 clinics across DACH and halve no-shows.",
        "By then: three hundred practices in Germany, Austria and Switzerland, no-shows cut by 50%.",
    );
    assert!(conflicts(&r).is_empty(), "{r}");
    assert_eq!(r["gap"], false, "{r}");
}
