//! Accounts, sessions and personal tokens.

use parallax_store::{ApiTokenRecord, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An account as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Account id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// E-mail address (sign-in name).
    pub email: String,
    /// Whether the account administers this Parallax instance.
    pub is_admin: bool,
}

impl From<&UserRecord> for User {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            is_admin: u.is_admin,
        }
    }
}

/// A workspace by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceRef {
    /// Workspace id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A new account, signed in, with its first workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignedUp {
    /// The new account.
    pub user: User,
    /// Its workspace, which it owns.
    pub workspace: WorkspaceRef,
}

/// A new account made through an invitation, signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JoinedByInvite {
    /// The new account.
    pub user: User,
    /// The workspace the invitation admitted to.
    pub workspace_id: i64,
}

/// The signed-in account (the response also sets the session cookie).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignedIn {
    /// The account.
    pub user: User,
}

/// E-mail and password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A new password, with the current one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current: String,
    /// The new password (at least 10 characters, not a common one).
    pub password: String,
}

/// Who signs up through an invitation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteSignUp {
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A personal API token (never its secret, except once on creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Token {
    /// Token id.
    pub id: i64,
    /// The label its owner gave it.
    pub name: String,
    /// Created, Unix ms.
    pub created_at: i64,
    /// Last used, Unix ms.
    pub last_used_at: Option<i64>,
}

impl From<&ApiTokenRecord> for Token {
    fn from(t: &ApiTokenRecord) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// The caller's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenList {
    /// Newest first.
    pub tokens: Vec<Token>,
}

/// A new token's label.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// A label to recognise it by.
    pub name: String,
}

/// A token just created, with its secret: shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    /// The token.
    #[serde(flatten)]
    pub record: Token,
    /// The secret to send as `Authorization: Bearer …`.
    pub token: String,
}

/// The caller's calendar feed: whether it is on, and since when. Its URL is
/// shown once, when it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CalendarFeed {
    /// Whether a feed URL works now.
    pub active: bool,
    /// When the working URL was made, Unix ms.
    pub since: Option<i64>,
}

/// A calendar feed just made: its private URL, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedCalendarFeed {
    /// The iCalendar URL to subscribe to; anyone holding it reads the feed.
    pub url: String,
}

/// Who forgot their password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordForgotten {
    /// The account's e-mail address.
    pub email: String,
}

/// A new password through a reset link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The secret at the end of the mailed link (`/password/reset/{secret}`).
    pub secret: String,
    /// The new password, 8 to 128 characters.
    pub password: String,
}

/// Which kinds of mail the caller gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailPreferences {
    /// Every kind, with whether it is on.
    pub kinds: Vec<MailKind>,
}

/// One kind of mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailKind {
    /// `round_open`, `nudge` or `round_revealed`.
    pub kind: String,
    /// What it is.
    pub description: String,
    /// Whether the caller gets it.
    pub on: bool,
}

/// The kinds of mail to get; every other kind is turned off.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailChoice {
    /// The kinds to get, e.g. `["round_open", "nudge"]`.
    pub on: Vec<String>,
}
