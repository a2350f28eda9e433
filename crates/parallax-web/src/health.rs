//! Liveness, readiness and metrics for operators.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use parallax_app::analysis::ModelState;

use crate::metrics::gauge;
use crate::{AppState, Routes};

pub(crate) fn routes() -> Routes {
    vec![
        ("/healthz", get(healthz)),
        ("/readyz", get(readyz)),
        ("/metrics", get(metrics)),
    ]
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

/// Prometheus text exposition: the HTTP series, then whether the text model
/// is loaded.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = state.metrics.render();
    gauge(
        &mut text,
        "parallax_text_model_ready",
        "1 when the text model is loaded; 0 while scores use the lexical fallback.",
        f64::from(u8::from(state.app.analyzer().state() == ModelState::Ready)),
    );
    // No gauge of the submit-time embedding backlog: /metrics is public, and
    // its jumps would show when people submit and how much they wrote.
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}
