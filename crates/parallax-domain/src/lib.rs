//! Domain values of Parallax.
//!
//! Every value that comes from a user is parsed here once, so that the rest of
//! the code holds only valid values. Nothing in this crate does IO.

pub mod account;
pub mod gap;
pub mod round;
pub mod vision;
pub mod workspace;

use std::fmt;

/// A user-facing validation failure tied to one input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The form or JSON field that was wrong.
    pub field: &'static str,
    /// What is wrong, in words a user understands.
    pub message: String,
}

impl Invalid {
    /// A failure for `field` with `message`.
    pub fn new(field: &'static str, message: impl fmt::Display) -> Self {
        Self {
            field,
            message: message.to_string(),
        }
    }
}

/// Trims `raw` and checks that it holds between `min` and `max` characters.
pub fn bounded_text(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, Invalid> {
    let text = raw.trim();
    let count = text.chars().count();
    if count < min {
        return Err(if min == 1 {
            Invalid::new(field, "is required")
        } else {
            Invalid::new(field, format!("needs at least {min} characters"))
        });
    }
    if count > max {
        return Err(Invalid::new(
            field,
            format!("may have at most {max} characters"),
        ));
    }
    if has_control_characters(text) {
        return Err(Invalid::new(field, "contains control characters"));
    }
    Ok(text.to_owned())
}

/// Whether `text` holds NUL or another control character other than tab,
/// line feed and carriage return: what no stored text may contain.
pub fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}
