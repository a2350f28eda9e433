//! `If-Match` on versioned writes (the vision, answers, notes, gaps): the
//! version a write is based on, from the header or the body's `version`
//! field. `*` matches whatever version is current (RFC 9110, section 13.1.1).

use std::future::Future;

use axum::http::{HeaderMap, StatusCode, header};
use parallax_app::AppError;

use crate::error::ApiError;

/// How the document describes the `If-Match` header of a versioned write:
/// `params(("If-Match" = Option<String>, Header, description = IF_MATCH))`.
pub(super) const IF_MATCH: &str = "The version the write is based on, quoted (`\"N\"`, as \
    the `ETag` or the `version` field of what was read gave it), or `*` for whatever is current. Instead of the header, the body may name it \
    in its `version` field; the header wins.";

/// How the document describes the `ETag` of a versioned resource.
pub(super) const ETAG: &str = "The version of what is returned, quoted (`\"N\"`): send it back \
    as `If-Match` with the next write.";

/// How the document describes the 428 of a write that must name a version.
pub(super) const VERSION_REQUIRED: &str = "No version named: send `If-Match` or a `version` field";

/// What a write says it was based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// `If-Match: *`: any current version.
    Any,
    /// `If-Match: "N"` or `"version": N`.
    Version(i64),
}

impl Expected {
    /// The version to write against: `*` stands for the current one, which
    /// `current` reads only then; without a current version `*` fails (412).
    pub(crate) async fn resolve(
        self,
        current: impl Future<Output = Result<Option<i64>, AppError>>,
    ) -> Result<i64, ApiError> {
        match self {
            Expected::Version(version) => Ok(version),
            Expected::Any => current.await?.ok_or_else(|| {
                ApiError::Rejected(
                    StatusCode::PRECONDITION_FAILED,
                    "If-Match: * needs something to match, and nothing is saved here yet".into(),
                )
            }),
        }
    }
}

/// The version a write is based on, if it names one: `If-Match` wins over
/// the body's field.
pub(crate) fn expected(
    headers: &HeaderMap,
    body: Option<i64>,
) -> Result<Option<Expected>, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(body.map(Expected::Version));
    };
    let raw = raw.to_str().unwrap_or("").trim();
    if raw == "*" {
        return Ok(Some(Expected::Any));
    }
    raw.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(|version| Some(Expected::Version(version)))
        .map_err(|_| {
            ApiError::Rejected(
                StatusCode::BAD_REQUEST,
                "If-Match must be a version number, e.g. \"3\", or *".into(),
            )
        })
}

/// The version a write that may also create names, if it names one: `*` is
/// resolved through `current`, which is read only then.
pub(crate) async fn optional(
    headers: &HeaderMap,
    body: Option<i64>,
    current: impl Future<Output = Result<Option<i64>, AppError>>,
) -> Result<Option<i64>, ApiError> {
    match expected(headers, body)? {
        None => Ok(None),
        Some(expected) => expected.resolve(current).await.map(Some),
    }
}

/// The version a write must name: without one it answers 428.
pub(crate) fn required(headers: &HeaderMap, body: Option<i64>) -> Result<Expected, ApiError> {
    expected(headers, body)?.ok_or_else(|| {
        ApiError::Rejected(
            StatusCode::PRECONDITION_REQUIRED,
            "name the version you edit: If-Match: \"N\" or a \"version\" field".into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_if_match(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn if_match_names_a_version_or_any() {
        assert_eq!(
            expected(&with_if_match("\"3\""), Some(9)).unwrap(),
            Some(Expected::Version(3))
        );
        assert_eq!(
            expected(&with_if_match("W/\"4\""), None).unwrap(),
            Some(Expected::Version(4))
        );
        assert_eq!(
            expected(&with_if_match("*"), None).unwrap(),
            Some(Expected::Any)
        );
        assert_eq!(
            expected(&HeaderMap::new(), Some(2)).unwrap(),
            Some(Expected::Version(2))
        );
        assert_eq!(expected(&HeaderMap::new(), None).unwrap(), None);
        assert!(expected(&with_if_match("\"x\""), None).is_err());
        assert!(required(&HeaderMap::new(), None).is_err());
    }
}
