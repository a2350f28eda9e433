//! The bodies of the JSON API as types: what handlers read and write, what
//! the OpenAPI document describes and what the API tests parse responses
//! into. One type per shape, so the three cannot drift apart.
//!
//! Response types derive `Deserialize` as well (for the tests and for API
//! clients written in Rust) and accept fields they do not know, so a client
//! keeps working when a response grows; request types refuse unknown fields.

pub mod accounts;
pub mod gaps;
pub mod rounds;
pub mod workspaces;

use parallax_app::Stale;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error of the API, whoever produced it (a use case, an extractor or
/// the router itself).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The one error envelope's content.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// The invalid fields of a 422, each named by its path in the body
    /// (`answer.value[2]`); empty otherwise.
    pub fields: Vec<FieldError>,
    /// A stale write's 409 carries what is stored now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Stale>,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the body.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The machine-readable code of an error; one per HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a path or query parameter, or the JSON, does not parse.
    BadRequest,
    /// 401: not signed in.
    Unauthenticated,
    /// 403: the role does not allow it, or a cross-site write.
    Forbidden,
    /// 404: no such thing, or not visible to the caller.
    NotFound,
    /// 405: the address does not take that method.
    MethodNotAllowed,
    /// 409: conflicts with the current state.
    Conflict,
    /// 412: `If-Match` names a version that is not current.
    PreconditionFailed,
    /// 413: the body is over the size limit.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 422: the body parses but is not valid.
    Invalid,
    /// 428: a versioned write named no version.
    PreconditionRequired,
    /// 429: too many attempts; see `Retry-After`.
    TooManyRequests,
    /// 500: something broke on the server; the log has it.
    Internal,
}

impl ErrorCode {
    /// The code of an HTTP status.
    pub fn of(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            412 => Self::PreconditionFailed,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::Invalid,
            428 => Self::PreconditionRequired,
            429 => Self::TooManyRequests,
            _ => Self::Internal,
        }
    }
}
