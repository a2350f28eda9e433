//! Parity with sentence-transformers, on the real model.
//!
//! `PARALLAX_MODEL_DIR` must name an installed all-MiniLM-L6-v2 folder (CI
//! installs it); the reference vectors come from
//! `tests/fixtures/make_reference.py`.

use std::path::PathBuf;

use parallax_engine::Embedder;
use parallax_minilm::{MiniLm, install, is_installed};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    tokens: usize,
    vector: Vec<f32>,
}

fn model_dir() -> PathBuf {
    match std::env::var_os("PARALLAX_MODEL_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "PARALLAX_MODEL_DIR is not set: point it at a folder holding all-MiniLM-L6-v2 \
             (model.safetensors, tokenizer.json, config.json), e.g. one made by \
             `parallax model install`; these tests need the real model"
        ),
    }
}

fn reference() -> Reference {
    // Built into the test binary: a binary reused from a checkout at another
    // path must not look for the fixture there.
    serde_json::from_str(include_str!("fixtures/reference.json")).unwrap()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn matches_sentence_transformers() {
    let model = MiniLm::load(&model_dir()).unwrap();
    let reference = reference();
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();

    assert_eq!(model.dimension(), 384);
    let counts = model.token_counts(&texts).unwrap();
    // A small batch size mixes padded and unpadded batches.
    let vectors = model.with_batch_size(4).embed(&texts).unwrap();
    assert_eq!(vectors.len(), texts.len());
    let mut worst = (f32::INFINITY, "");
    for ((case, vector), count) in reference.cases.iter().zip(&vectors).zip(counts) {
        assert_eq!(count, case.tokens, "token count of {:?}", case.text);
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm} for {:?}", case.text);
        let cos = cosine(vector, &case.vector);
        if cos < worst.0 {
            worst = (cos, &case.text);
        }
    }
    println!("lowest cosine {} for {:?}", worst.0, worst.1);
    assert!(worst.0 >= 0.9999, "cosine {} for {:?}", worst.0, worst.1);
}

#[test]
fn batching_does_not_change_vectors() {
    let model = MiniLm::load(&model_dir()).unwrap().with_threads(2).unwrap();
    let reference = reference();
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
    let together = model.embed(&texts).unwrap();
    for (text, batched) in texts.iter().zip(&together) {
        let alone = model.embed(&[text]).unwrap().remove(0);
        let cos = cosine(&alone, batched);
        assert!(cos >= 0.99999, "cosine {cos} for {text:?}");
    }
    assert!(model.embed(&[]).unwrap().is_empty());
}

#[test]
fn installed_model_verifies_and_copies() {
    let dir = model_dir();
    assert!(is_installed(&dir), "{} fails its checksums", dir.display());
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("models/all-MiniLM-L6-v2");
    let mut lines = Vec::new();
    install(Some(&dir), &dest, &mut |l| lines.push(l.to_string())).unwrap();
    assert!(is_installed(&dest));
    assert!(lines.last().unwrap().contains("installed"));
}
