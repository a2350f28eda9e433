//! The private calendar feed: `GET /calendar/{secret}.ics`, no session —
//! the secret in the URL is the credential. Unknown or revoked secrets
//! answer 404 like any missing page.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::PageError;
use crate::{AppState, Routes, public_base};

pub(crate) fn routes() -> Routes {
    vec![("/calendar/{secret}", get(feed))]
}

/// The URL of the feed with `secret`, for people to subscribe to.
pub(crate) fn feed_url(state: &AppState, headers: &HeaderMap, secret: &str) -> String {
    format!("{}/calendar/{secret}.ics", public_base(state, headers))
}

async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let secret = secret.strip_suffix(".ics").unwrap_or(&secret);
    let calendar = match state.app.calendar(secret).await {
        Err(parallax_app::AppError::NotFound) => {
            return Ok((
                StatusCode::NOT_FOUND,
                "No such calendar feed: it was replaced or turned off.\n",
            )
                .into_response());
        }
        other => other?,
    };
    let base = public_base(&state, &headers);
    let host = base
        .split_once("://")
        .map_or(base.as_str(), |(_, rest)| rest)
        .to_owned();
    let body = calendar.to_ics(&base, &host, parallax_store::now_ms());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}
