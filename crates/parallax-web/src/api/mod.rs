//! The JSON API under `/api/v1`. It covers what the pages do; callers
//! authenticate with a personal token (`Authorization: Bearer px_…`) or the
//! session cookie. Every route is registered with its OpenAPI operation
//! (see [`openapi`]); the bodies are the types of [`crate::views`].

mod accounts;
mod docs;
mod gaps;
mod openapi;
mod preconditions;
mod rounds;
mod workspaces;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub(crate) use openapi::DOCUMENT;

/// Every API route with its documentation.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    openapi::router()
        .merge(accounts::router())
        .merge(workspaces::router())
        .merge(rounds::router())
        .merge(gaps::router())
}

/// The path templates of the API, as documented.
pub(crate) fn paths() -> Vec<&'static str> {
    DOCUMENT["paths"]
        .as_object()
        .map(|paths| paths.keys().map(String::as_str).collect())
        .unwrap_or_default()
}
