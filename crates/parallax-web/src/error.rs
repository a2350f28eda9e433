//! Errors as HTTP responses: an HTML page for the pages, a JSON object for
//! the API. A 500 never shows its cause; the log has it.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use parallax_app::AppError;
use parallax_domain::has_control_characters;
use serde::de::DeserializeOwned;

use crate::pages::layout;
use crate::views::{ErrorBody, ErrorCode, ErrorDetail, FieldError};

fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::Stale(_) => StatusCode::CONFLICT,
        AppError::VersionRequired => StatusCode::PRECONDITION_REQUIRED,
        AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message shown for an error; internal causes are replaced.
fn public_message(err: &AppError) -> String {
    match err {
        AppError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            "Something went wrong on our side. It has been logged.".to_owned()
        }
        AppError::NotFound => {
            "This page does not exist, or you do not have access to it.".to_owned()
        }
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn retry_after(err: &AppError, response: &mut Response) {
    if let AppError::TooManyAttempts(seconds) = err
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

/// An error of a page handler, rendered as an HTML page.
#[derive(Debug)]
pub(crate) enum PageError {
    /// A use-case error.
    App(AppError),
    /// Malformed input with the status the extractor chose.
    Rejected(StatusCode, String),
}

impl PageError {
    pub(crate) fn cross_site(api: bool) -> Response {
        let message = "Cross-site request refused: this form must be sent from Parallax itself.";
        if api {
            ApiError::Rejected(StatusCode::FORBIDDEN, message.into()).into_response()
        } else {
            PageError::Rejected(StatusCode::FORBIDDEN, message.into()).into_response()
        }
    }
}

impl From<AppError> for PageError {
    fn from(value: AppError) -> Self {
        PageError::App(value)
    }
}

/// What an error page says, kept on its response so that it can be drawn
/// again for the signed-in caller.
#[derive(Debug, Clone)]
pub(crate) struct ErrorPageBody {
    pub status: StatusCode,
    pub message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            PageError::App(AppError::Unauthenticated) => {
                return Redirect::to("/login").into_response();
            }
            PageError::App(err) => (status_of(err), public_message(err)),
            PageError::Rejected(status, message) => (*status, message.clone()),
        };
        let mut response = (status, layout::error_page(status, &message, None)).into_response();
        if let PageError::App(err) = &self {
            retry_after(err, &mut response);
        }
        // Drawn again with the caller's top bar by `middleware::error_pages`.
        response
            .extensions_mut()
            .insert(ErrorPageBody { status, message });
        response
    }
}

/// An error of an API handler, rendered as `{"error": {...}}`.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// A use-case error.
    App(AppError),
    /// Malformed input with the status the extractor chose.
    Rejected(StatusCode, String),
    /// A body field that no use case may see (a 422 naming it by its path,
    /// e.g. `answer.value[2]`).
    Field(String, String),
}

impl From<AppError> for ApiError {
    fn from(value: AppError) -> Self {
        ApiError::App(value)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message, fields) = match &self {
            ApiError::App(err) => {
                let fields = match err {
                    AppError::Invalid(fields) => fields
                        .iter()
                        .map(|f| FieldError {
                            field: f.field.to_owned(),
                            message: f.message.clone(),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                (status_of(err), public_message(err), fields)
            }
            ApiError::Rejected(status, message) => (*status, message.clone(), Vec::new()),
            ApiError::Field(field, message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field}: {message}"),
                vec![FieldError {
                    field: field.clone(),
                    message: message.clone(),
                }],
            ),
        };
        let current = match &self {
            ApiError::App(AppError::Stale(stale)) => Some(stale.as_ref().clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::of(status.as_u16()),
                message,
                fields,
                current,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::App(err) = &self {
            retry_after(err, &mut response);
        }
        response
    }
}

/// Answers unknown paths: JSON under `/api/`, a page elsewhere.
pub(crate) async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::App(AppError::NotFound).into_response()
    } else {
        PageError::App(AppError::NotFound).into_response()
    }
}

/// A form body that was parsed, or a clear 4xx page. Unlike axum's `Form`,
/// it refuses invalid UTF-8 instead of replacing it, so nothing garbled is
/// ever stored.
pub(crate) struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError::Rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the form as application/x-www-form-urlencoded.".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "The form is too large.".to_owned()
                } else {
                    format!("The form could not be read: {}", rejection.body_text())
                };
                PageError::Rejected(status, message)
            })?;
        if !percent_decoded_is_utf8(&bytes) {
            return Err(PageError::Rejected(
                StatusCode::BAD_REQUEST,
                "The form could not be read: it is not valid UTF-8 text.".into(),
            ));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if let Some((name, _)) = pairs
            .iter()
            .find(|(name, value)| has_control_characters(name) || has_control_characters(value))
        {
            return Err(PageError::Rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The form could not be read: {name}: {CONTROL_CHARACTERS}."),
            ));
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(PageForm)
            .map_err(|e| {
                PageError::Rejected(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("The form could not be read: {e}"),
                )
            })
    }
}

/// Whether every name and value of a urlencoded body decodes to valid UTF-8.
fn percent_decoded_is_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&' || *b == b'=').all(|part| {
        let mut decoded = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            let byte = part[i];
            let hex = |b: u8| (b as char).to_digit(16);
            if byte == b'%'
                && i + 2 < part.len()
                && let (Some(h), Some(l)) = (hex(part[i + 1]), hex(part[i + 2]))
            {
                decoded.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
            decoded.push(if byte == b'+' { b' ' } else { byte });
            i += 1;
        }
        std::str::from_utf8(&decoded).is_ok()
    })
}

/// A JSON body that was parsed, or a clear 4xx JSON error.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    /// Every body is a JSON object (serde would also read a struct from an
    /// array), and no string in it carries a control character that a
    /// database could refuse or a page could garble.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        checked_body(value).map(ApiJson)
    }
}

/// The body as `T`, when it is an object whose strings are all clean.
fn checked_body<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::Rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request body must be a JSON object.".into(),
        ));
    }
    if let Some(field) = control_character_at(&value, String::new()) {
        return Err(ApiError::Field(field, CONTROL_CHARACTERS.into()));
    }
    serde_json::from_value::<T>(value).map_err(|e| {
        ApiError::Rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Failed to deserialize the JSON body into the target type: {e}"),
        )
    })
}

/// The body of a request whose body is optional: none (or only white
/// space), or a JSON object checked as [`ApiJson`] checks it.
pub(crate) struct OptionalApiJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = api_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalApiJson(None));
        }
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::Rejected(
                StatusCode::BAD_REQUEST,
                format!("Failed to parse the request body as JSON: {e}"),
            )
        })?;
        checked_body(value).map(|body| OptionalApiJson(Some(body)))
    }
}

/// A write that takes no body: it refuses one (only white space passes), so
/// nothing a caller sends is silently ignored.
pub(crate) struct NoBody;

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = api_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(NoBody)
        } else {
            Err(ApiError::Rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This request takes no body; send it empty.".into(),
            ))
        }
    }
}

async fn api_body<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|rejection| {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "The request body is too large.".to_owned()
            } else {
                rejection.body_text()
            };
            ApiError::Rejected(status, message)
        })
}

/// What a text with a forbidden control character is told.
const CONTROL_CHARACTERS: &str =
    "contains a control character (only tab, line feed and carriage return are allowed)";

/// The path (`answer.value[2]`) of the first key or string in `value` that
/// holds a forbidden control character.
fn control_character_at(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) => has_control_characters(text).then_some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| control_character_at(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            let inner = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if has_control_characters(key) {
                Some(inner)
            } else {
                control_character_at(item, inner)
            }
        }),
        _ => None,
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.".to_owned(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "Send a JSON body with Content-Type: application/json.".to_owned()
        }
        _ => rejection.body_text(),
    };
    ApiError::Rejected(status, message)
}

#[cfg(test)]
mod tests {
    use super::{control_character_at, percent_decoded_is_utf8};

    #[test]
    fn control_characters_are_found_by_their_path() {
        let clean =
            serde_json::json!({ "answer": { "type": "text", "value": "one\ttwo\r\nthree" } });
        assert_eq!(control_character_at(&clean, String::new()), None);
        let nul = serde_json::json!({ "email": "a\u{0}@b.example" });
        assert_eq!(
            control_character_at(&nul, String::new()).as_deref(),
            Some("email")
        );
        let deep =
            serde_json::json!({ "answer": { "type": "ranking", "value": ["a", "b\u{1b}"] } });
        assert_eq!(
            control_character_at(&deep, String::new()).as_deref(),
            Some("answer.value[1]")
        );
        let key = serde_json::json!({ "x\u{7}": 1 });
        assert_eq!(
            control_character_at(&key, String::new()).as_deref(),
            Some("x\u{7}")
        );
    }

    #[test]
    fn invalid_utf8_in_forms_is_detected() {
        assert!(percent_decoded_is_utf8(
            b"name=Ada+Lovelace&city=Z%C3%BCrich"
        ));
        assert!(!percent_decoded_is_utf8(b"name=%FF%FE"));
        assert!(!percent_decoded_is_utf8(&[b'n', b'=', 0xff]));
        assert!(percent_decoded_is_utf8(b"odd=100%"));
    }
}
