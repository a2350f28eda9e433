//! Liveness, readiness and metrics for operators.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use parallax_app::analysis::ModelState;

use sha2::{Digest, Sha256};

use crate::auth::bearer_token;
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
/// is loaded. With a metrics token configured, only a caller presenting it
/// (`Authorization: Bearer <token>`) gets them.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = state.settings.metrics_token.as_deref() {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .unwrap_or("");
        // Compare digests, so the time taken says nothing about the token.
        if Sha256::digest(given.as_bytes()) != Sha256::digest(expected.as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "the metrics need the metrics token: Authorization: Bearer <token>\n",
            )
                .into_response();
        }
    }
    let mut text = state.metrics.render();
    gauge(
        &mut text,
        "parallax_text_model_ready",
        "1 when the text model is loaded; 0 while scores use the lexical fallback.",
        f64::from(u8::from(state.app.analyzer().state() == ModelState::Ready)),
    );
    // No gauge of the submit-time embedding backlog: its jumps would show
    // when people submit and how much they wrote.
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
