//! Parallax's use cases.
//!
//! The web layer and the CLI call into [`App`]; every decision about who may
//! see or change what is taken by [`policy`], and nowhere else.

pub mod accounts;
pub mod agenda;
pub mod analysis;
pub mod cadence;
pub mod calendar;
pub mod error;
pub mod gaps;
pub mod mail;
pub mod policy;
pub mod rounds;
pub mod secrets;
pub mod trend;
pub mod workspaces;

use std::time::Duration;

use parallax_store::{Store, UserRecord};

pub use error::{AppError, Stale};

/// Shorthand for use-case results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Knobs of the use cases, set from the server's settings.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// How long an invitation link stays valid.
    pub invite_ttl: Duration,
    /// Whether anyone may create an account after the first one. When off,
    /// accounts come from invitations.
    pub open_signup: bool,
    /// The URL people reach the server at, for links in mail.
    pub public_url: String,
    /// The first retry of a mail the server refused for now comes this
    /// long after; each further one waits twice as long.
    pub mail_retry: Duration,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
            open_signup: false,
            public_url: "http://127.0.0.1:8080".into(),
            mail_retry: Duration::from_secs(60),
        }
    }
}

/// The application: use cases over a store.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    settings: AppSettings,
    analyzer: std::sync::Arc<analysis::Analyzer>,
    mailer: mail::MailerSlot,
}

/// The signed-in person on whose behalf a use case runs.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Their account.
    pub user: UserRecord,
}

impl Actor {
    /// The account id.
    pub fn id(&self) -> i64 {
        self.user.id
    }
}

impl App {
    /// An application over `store`.
    pub fn new(store: Store, settings: AppSettings) -> Self {
        Self {
            store,
            settings,
            analyzer: std::sync::Arc::default(),
            mailer: mail::MailerSlot::default(),
        }
    }

    /// The app with links in mail pointing at `url` (when the server learns
    /// its address only once it listens).
    pub fn with_public_url(mut self, url: String) -> Self {
        self.settings.public_url = url;
        self
    }

    /// The underlying store, for health checks and operations commands.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings in force.
    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }
}
