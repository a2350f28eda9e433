//! The errors use cases return; the web layer maps each to a status code.

use parallax_domain::Invalid;
use parallax_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such thing — or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// The caller can see the thing but may not do this to it.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// Nobody is signed in.
    #[error("sign in first")]
    Unauthenticated,
    /// E-mail and password do not match an account.
    #[error("the e-mail address or the password is wrong")]
    BadCredentials,
    /// Input failed validation; one entry per field.
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    /// The request collides with the current state (duplicate, stale version,
    /// last owner).
    #[error("{0}")]
    Conflict(String),
    /// A write named a version that is no longer current; carries what is
    /// current now so the caller can merge or reload.
    #[error("this was changed in the meantime (now at version {})", .0.version)]
    Stale(Box<Stale>),
    /// A write to a versioned thing named no version to check against.
    #[error("name the version you edit: If-Match: \"N\" or a \"version\" field")]
    VersionRequired,
    /// Too many failed attempts; try again after this many seconds.
    #[error("too many attempts; try again in {0} seconds")]
    TooManyAttempts(u64),
    /// Something broke on our side; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What is stored now, returned with a stale write.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Stale {
    /// The current version.
    pub version: i64,
    /// The current content, as text.
    pub text: String,
    /// The current content, structured.
    pub value: serde_json::Value,
}

impl AppError {
    /// A validation failure of one field.
    pub fn invalid(field: &'static str, message: impl std::fmt::Display) -> Self {
        AppError::Invalid(vec![Invalid::new(field, message)])
    }
}

impl From<Invalid> for AppError {
    fn from(value: Invalid) -> Self {
        AppError::Invalid(vec![value])
    }
}

impl From<StoreError> for AppError {
    fn from(value: StoreError) -> Self {
        match value {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate => AppError::Conflict("that already exists".into()),
            StoreError::Conflict => {
                AppError::Conflict("someone changed this in the meantime".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Collects the validation results of several fields into one error listing
/// every failing field, so a form shows all its problems at once.
pub fn collect_invalid(results: &[Option<&Invalid>]) -> Result<(), AppError> {
    let failures: Vec<Invalid> = results.iter().flatten().map(|i| (*i).clone()).collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(failures))
    }
}
