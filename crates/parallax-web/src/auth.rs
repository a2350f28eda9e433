//! Who is asking: session cookies, bearer tokens, client addresses, and the
//! flash cookie.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use parallax_app::{Actor, AppError};

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::middleware::Flash;

/// The session cookie; its value is a 256-bit secret, stored only hashed.
pub(crate) const SESSION_COOKIE: &str = "px_session";
/// The flash-message cookie.
pub(crate) const FLASH_COOKIE: &str = "px_flash";

/// The value of cookie `name`, if the request carries it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for the session.
pub(crate) fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let max_age = state.app.settings().session_ttl.as_secs();
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("session tokens are URL-safe base64")
}

/// A `Set-Cookie` value that deletes the session cookie.
pub(crate) fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("px_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// A redirect that shows `message` on the next page.
pub(crate) fn redirect_with_flash(to: &str, message: &str) -> Response {
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(message.as_bytes());
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={encoded}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) fn decode_flash(value: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    String::from_utf8(bytes)
        .ok()
        .map(|s| s.chars().take(300).collect())
}

/// Only same-site paths are followed after sign-in.
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/w",
    }
}

async fn session_actor(parts: &Parts, state: &AppState) -> Result<Option<Actor>, AppError> {
    headers_actor(&parts.headers, state).await
}

/// The signed-in person whose session cookie `headers` carry, if any.
pub(crate) async fn headers_actor(
    headers: &axum::http::HeaderMap,
    state: &AppState,
) -> Result<Option<Actor>, AppError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() => state.app.session_actor(token).await,
        _ => Ok(None),
    }
}

/// What every page knows about its request: the viewer (if any) and a flash
/// message.
pub(crate) struct Ctx {
    pub actor: Option<Actor>,
    pub flash: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            actor: session_actor(parts, state).await?,
            flash: parts.extensions.get::<Flash>().map(|f| f.0.clone()),
        })
    }
}

/// A page for signed-in people; others are sent to the sign-in page.
pub(crate) struct SignedIn {
    pub actor: Actor,
    pub flash: Option<String>,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match ctx.actor {
            Some(actor) => Ok(SignedIn {
                actor,
                flash: ctx.flash,
            }),
            None => {
                let path = parts.uri.path();
                let target = if parts.method == axum::http::Method::GET && path != "/" {
                    format!("/login?next={path}")
                } else {
                    "/login".to_owned()
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// An API caller, by `Authorization: Bearer <token>` or the session cookie.
pub(crate) struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token);
        let actor = match bearer {
            Some(token) => {
                let secret = token.trim().strip_prefix("px_").unwrap_or(token.trim());
                state.app.api_token_actor(secret).await?
            }
            None => session_actor(parts, state).await?,
        };
        actor
            .map(ApiActor)
            .ok_or(ApiError::App(AppError::Unauthenticated))
    }
}

/// The token of an `Authorization: Bearer <token>` value; the scheme is
/// case-insensitive (RFC 9110, section 11.1).
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// The client's address: the peer, or — only behind a configured trusted
/// proxy — the last address in `X-Forwarded-For` that is not a trusted proxy.
pub(crate) struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let trusted = &state.settings.trusted_proxies;
        if !trusted.contains(&peer) {
            return Ok(ClientIp(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        let client = forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer);
        Ok(ClientIp(client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; px_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer px_abc"), Some("px_abc"));
        assert_eq!(bearer_token("bearer px_abc"), Some("px_abc"));
        assert_eq!(bearer_token("BEARER px_abc"), Some("px_abc"));
        assert_eq!(bearer_token("Basic dXNlcg=="), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/w/3")), "/w/3");
        assert_eq!(safe_next(Some("//evil.example")), "/w");
        assert_eq!(safe_next(Some("https://evil.example")), "/w");
        assert_eq!(safe_next(None), "/w");
    }
}
