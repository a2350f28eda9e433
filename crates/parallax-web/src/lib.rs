//! Parallax's HTTP layer: server-rendered pages, the JSON API beside them, and
//! the cross-cutting middleware (security headers, CSRF, request ids, metrics).
//!
//! Handlers are thin: they parse input, call one use case of
//! [`parallax_app::App`] and render the result. No access decision is taken
//! here.

mod api;
mod assets;
mod auth;
mod calendar;
mod error;
mod health;
mod metrics;
mod middleware;
mod pages;
mod unsubscribe;
pub mod views;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;
use parallax_app::App;

pub use metrics::Metrics;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// The URL people reach the server at (e.g. `https://parallax.example`);
    /// used for invitation links and the CSRF origin check. When unset, the
    /// request's `Host` header is used.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` header is believed. Empty: the peer
    /// address is the client address.
    pub trusted_proxies: Vec<IpAddr>,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
}

impl WebSettings {
    /// Cookies get the `Secure` flag when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

/// The URL this server is reached at: the configured public URL, else the
/// request's `Host`. Used to build links people copy (invitations).
pub(crate) fn public_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    match state.settings.public_url.as_deref() {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// HTTP settings.
    pub settings: Arc<WebSettings>,
    /// Request counters and latencies.
    pub metrics: Arc<Metrics>,
}

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

type Routes = Vec<(&'static str, MethodRouter<AppState>)>;

/// Every route outside the API, in one table.
fn route_table() -> Routes {
    let mut routes = Vec::new();
    routes.extend(health::routes());
    routes.extend(assets::routes());
    routes.extend(calendar::routes());
    routes.extend(unsubscribe::routes());
    routes.extend(pages::routes());
    routes
}

/// The path templates of every route (the pages' table and the API's
/// document), for tests that must cover them all; the role test walks it.
pub fn route_paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = route_table().into_iter().map(|(path, _)| path).collect();
    paths.extend(api::paths());
    paths
}

/// The OpenAPI document of the JSON API, as served at `/api/openapi.json`.
pub fn openapi_document() -> &'static serde_json::Value {
    &api::DOCUMENT
}

/// The complete application: routes, fallback and middleware.
pub fn router(state: AppState) -> Router {
    let (api, _) = api::router().split_for_parts();
    let routes = route_table()
        .into_iter()
        .fold(api, |router, (path, method_router)| {
            router.route(path, method_router)
        });
    routes
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(middleware::error_envelope))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::error_pages,
        ))
        .layer(axum::middleware::from_fn(middleware::flash))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
