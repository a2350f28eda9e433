//! Cross-cutting request handling: request ids, logs and metrics; security
//! headers; flash messages; the CSRF origin check; one error shape for what
//! axum's own extractors and router refuse.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use tracing::Instrument;

use crate::AppState;
use crate::auth::{FLASH_COOKIE, bearer_token, cookie, headers_actor};
use crate::error::{ApiError, ErrorPageBody, PageError};

/// Gives each request an id (echoed as `X-Request-Id`), a log span with a
/// fixed set of fields, one log line at the end, and a metrics sample.
pub(crate) async fn observe(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let mut id = [0u8; 8];
    rand::rng().fill_bytes(&mut id);
    let request_id = hex::encode(id);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    state
        .metrics
        .observe(method.as_str(), &route, status.as_u16(), elapsed);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The Content-Security-Policy of every response: no inline scripts or
/// styles, nothing from other origins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Security headers on every response, error pages included.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "x-frame-options", "DENY");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    response
}

/// A flash message lives in a short cookie set by a redirect; it is shown by
/// the next page and cleared by this middleware.
#[derive(Debug, Clone)]
pub(crate) struct Flash(pub String);

pub(crate) async fn flash(mut request: Request, next: Next) -> Response {
    let message = cookie(request.headers(), FLASH_COOKIE).and_then(crate::auth::decode_flash);
    let had_flash = message.is_some();
    if let Some(message) = message {
        request.extensions_mut().insert(Flash(message));
    }
    let is_redirect = |r: &Response| r.status().is_redirection();
    let mut response = next.run(request).await;
    if had_flash && !is_redirect(&response) {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("px_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    response
}

/// Refuses state-changing requests that a browser sent on behalf of another
/// site. Browsers mark every request with `Sec-Fetch-Site` or `Origin`; a
/// request authenticated by a bearer token carries no ambient credentials and
/// is exempt. Together with `SameSite=Lax` cookies this closes CSRF.
pub(crate) async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Only the methods that change state are checked; any other (TRACE, …)
    // goes on to the router, which answers 405 where no route takes it.
    let method = request.method();
    if !matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(request).await;
    }
    // One-click unsubscribe (RFC 8058) is posted by mail providers, not by
    // a page: the secret in the URL is the credential, no cookie is used.
    if request.uri().path().starts_with("/unsubscribe/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .is_some();
    if bearer && cookie(headers, crate::auth::SESSION_COOKIE).is_none() {
        return next.run(request).await;
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let same_site = match fetch_site {
        Some(site) => site == "same-origin" || site == "none",
        None => headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|origin| origin_matches(origin, &state, headers)),
    };
    if same_site {
        next.run(request).await
    } else {
        tracing::warn!("cross-site state-changing request refused");
        let api = request.uri().path().starts_with("/api/");
        PageError::cross_site(api).into_response()
    }
}

fn origin_matches(origin: &str, state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    if let Some(public) = state.settings.public_url.as_deref() {
        return origin.trim_end_matches('/') == public.trim_end_matches('/');
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((host, origin_host), (Some(h), Some(o)) if h == o)
}

/// Gives the errors that axum answers by itself — a path or query that does
/// not parse (plain text), a method the route lacks (empty 405) — the same
/// shape as every other error: the JSON envelope under `/api/`, an error
/// page elsewhere. Responses the handlers built are left alone, and so are
/// the operators' plain-text endpoints.
/// Error pages show the signed-in caller's top bar: they are drawn where the
/// caller is not known, so they are drawn again here, only for an error page
/// and only when the request carries a session.
pub(crate) async fn error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(body) = response.extensions().get::<ErrorPageBody>().cloned() else {
        return response;
    };
    let Ok(Some(actor)) = headers_actor(&headers, &state).await else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let page = crate::pages::layout::error_page(body.status, &body.message, Some(&actor));
    Response::from_parts(parts, axum::body::Body::from(page.into_string()))
}

pub(crate) async fn error_envelope(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    // The operators' endpoints answer their probes in plain text.
    if matches!(path, "/healthz" | "/readyz" | "/metrics") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = match (status.as_u16(), text.is_empty()) {
        (405, _) => "This address does not take that method.".to_owned(),
        (_, false) => text,
        (_, true) => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let mut rewrapped = if api {
        ApiError::Rejected(status, message).into_response()
    } else {
        PageError::Rejected(status, message).into_response()
    };
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        rewrapped.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rewrapped
}
