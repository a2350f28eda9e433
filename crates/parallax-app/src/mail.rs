//! Mail: what Parallax sends, queued in the outbox in the transaction of
//! what caused it and sent by one worker with retries ([`App::run_outbox`]).
//! The transport is a [`Mailer`] (SMTP in `parallax-mail`); without one no
//! mail is queued.
//!
//! Blind holds: a mail names the round, its due date and who it is for —
//! never anything about an answer. Every mail carries a one-click
//! unsubscribe link (RFC 8058) for its kind that works without signing in.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use parallax_store::{NewMail, RoundRecord};

use crate::secrets::{new_token, token_hash};
use crate::{App, AppError, Result};

/// After this many attempts a mail is given up and shown to operators.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a password reset link works.
pub const RESET_VALID_MS: i64 = 3600 * 1000;
/// A mail claimed longer ago than this by a worker that died is taken again.
const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;

/// The kinds of mail, each one turned off on its own.
pub const KINDS: [(&str, &str); 3] = [
    ("round_open", "A round is open for you to answer"),
    (
        "nudge",
        "Reminders before a round's due date, while you have not submitted",
    ),
    ("round_revealed", "A round you took part in is revealed"),
];
/// Nudges go this many days before the due date, and on it.
pub const NUDGE_DAYS_BEFORE: i64 = 2;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Why a mail was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Try again later (SMTP 4xx, the server unreachable).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Will never work (SMTP 5xx, a bad address).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// One mail as the transport sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// `<…@host>`, the same on every attempt.
    pub message_id: String,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// The one-click unsubscribe URL, when the mail has one.
    pub unsubscribe_url: Option<String>,
}

/// Sends mail.
pub trait Mailer: Send + Sync {
    /// Sends one mail.
    fn send<'a>(
        &'a self,
        mail: &'a OutgoingMail,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<(), MailError>> + Send + 'a>>;
}

/// Where the app keeps its mailer (none until one is configured).
#[derive(Clone, Default)]
pub(crate) struct MailerSlot(Arc<RwLock<Option<Arc<dyn Mailer>>>>);

impl std::fmt::Debug for MailerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() {
            "MailerSlot(set)"
        } else {
            "MailerSlot(none)"
        })
    }
}

impl MailerSlot {
    fn get(&self) -> Option<Arc<dyn Mailer>> {
        self.0.read().ok().and_then(|m| m.clone())
    }
}

/// The unsubscribe secret inside a mail's body and headers.
fn unsubscribe_path(secret: &str) -> String {
    format!("/unsubscribe/{secret}")
}

impl App {
    /// Sends mail through `mailer` from now on.
    pub fn set_mailer(&self, mailer: Arc<dyn Mailer>) {
        if let Ok(mut slot) = self.mailer.0.write() {
            *slot = Some(mailer);
        }
    }

    /// Whether mail goes out at all.
    pub fn mail_enabled(&self) -> bool {
        self.mailer.get().is_some()
    }

    fn host(&self) -> String {
        let url = &self.settings().public_url;
        url.split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split(['/', ':'])
            .next()
            .unwrap_or("parallax")
            .to_owned()
    }

    /// A mail of `kind` for `user_id` at `address`, unless mail is off or
    /// they turned that kind off.
    async fn compose(
        &self,
        kind: &'static str,
        user_id: i64,
        address: &str,
        subject: String,
        body: &str,
    ) -> Result<Option<NewMail>> {
        if !self.mail_enabled()
            || self
                .store()
                .opt_outs(user_id)
                .await?
                .iter()
                .any(|k| k == kind)
        {
            return Ok(None);
        }
        let (secret, hash) = new_token();
        let (id, _) = new_token();
        let link = format!(
            "{}{}",
            self.settings().public_url,
            unsubscribe_path(&secret)
        );
        let what = KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(kind, |(_, label)| label);
        Ok(Some(NewMail {
            kind,
            user_id,
            address: address.to_owned(),
            subject,
            body: format!(
                "{body}\n\n-- \nYou get this mail because of: {what}.\nTurn these mails off with one click: {link}\n"
            ),
            message_id: format!("<{id}@{}>", self.host()),
            unsubscribe_hash: Some(hash),
            send_at: None,
            round_id: None,
        }))
    }

    /// The password reset mail: transactional, so it has no unsubscribe
    /// link and goes out whatever the person turned off.
    fn reset_mail(&self, user: &parallax_store::UserRecord, secret: &str) -> NewMail {
        let (id, _) = new_token();
        let link = format!("{}/password/reset/{secret}", self.settings().public_url);
        NewMail {
            kind: "password_reset",
            user_id: user.id,
            address: user.email.clone(),
            subject: "Reset your Parallax password".into(),
            body: format!(
                "Hello {},\n\nsomeone (you, we hope) asked to reset the password of your Parallax account.\nChoose a new one here within the hour; the link works once:\n\n{link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n",
                user.name
            ),
            message_id: format!("<{id}@{}>", self.host()),
            unsubscribe_hash: None,
            send_at: None,
            round_id: None,
        }
    }

    /// Sends a reset link to `email` when an account has it; answers the
    /// same either way, so the form tells nobody which addresses exist. At
    /// most one link per account every five minutes. Conflict when mail is
    /// not set up on this server.
    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        if !self.mail_enabled() {
            return Err(AppError::Conflict(
                "mail is not set up on this server: ask your administrator to reset the password"
                    .into(),
            ));
        }
        let email = email.trim().to_lowercase();
        let Some(user) = self.store().user_by_email(&email).await? else {
            return Ok(());
        };
        let now = parallax_store::now_ms();
        if self
            .store()
            .last_password_reset(user.id)
            .await?
            .is_some_and(|at| now - at < 5 * 60 * 1000)
        {
            return Ok(());
        }
        let (secret, hash) = new_token();
        let mail = self.reset_mail(&user, &secret);
        self.store()
            .create_password_reset(user.id, &hash, now + RESET_VALID_MS, &mail)
            .await?;
        self.store()
            .audit(None, Some(user.id), "account.password_reset_requested", "")
            .await?;
        Ok(())
    }

    /// Whether a reset link still works.
    pub async fn password_reset_open(&self, secret: &str) -> Result<bool> {
        Ok(self
            .store()
            .password_reset_open(&token_hash(secret), parallax_store::now_ms())
            .await?)
    }

    /// Sets a new password through a reset link, once; every session of the
    /// account ends. NotFound when the link is unknown, used or expired.
    pub async fn reset_password(&self, secret: &str, new: &str) -> Result<()> {
        let password = parallax_domain::account::Password::parse(new)?;
        let user_id = self
            .store()
            .take_password_reset(&token_hash(secret), parallax_store::now_ms())
            .await?
            .ok_or(AppError::NotFound)?;
        let hash = crate::secrets::hash_password(password.expose().to_owned()).await?;
        self.store().set_password(user_id, &hash).await?;
        self.store()
            .audit(None, Some(user_id), "account.password_reset", "")
            .await?;
        Ok(())
    }

    /// The "round is open" mails of a round being sent: one per participant
    /// but the sender, with the link and the due date.
    pub(crate) async fn round_open_mails(
        &self,
        round: &RoundRecord,
        workspace: &str,
        sender: i64,
    ) -> Result<Vec<NewMail>> {
        let mut mails = Vec::new();
        for p in self.store().participants(round.id).await? {
            if p.user_id == sender {
                continue;
            }
            let user = self.store().user(p.user_id).await?;
            let due = round
                .due_at
                .map(|d| format!(", answers due {}", utc_day(d)))
                .unwrap_or_default();
            let link = format!(
                "{}/w/{}/rounds/{}/answer",
                self.settings().public_url,
                round.workspace_id,
                round.id
            );
            let body = format!(
                "Hello {},\n\nthe round “{}” of {workspace} is open for your answers{due}.\nYour answers stay blind: nobody reads them before the reveal.\n\nAnswer here: {link}",
                user.name, round.title
            );
            if let Some(mail) = self
                .compose(
                    "round_open",
                    user.id,
                    &user.email,
                    format!("Round open: {}{due}", round.title),
                    &body,
                )
                .await?
            {
                mails.push(mail);
            }
            // Nudges before the due date and on it, dropped by the worker
            // once this person has submitted.
            let Some(due_at) = round.due_at else { continue };
            let now = parallax_store::now_ms();
            for (at, when) in [
                (
                    due_at - NUDGE_DAYS_BEFORE * DAY_MS,
                    format!("due in {NUDGE_DAYS_BEFORE} days"),
                ),
                (due_at - 6 * 3600 * 1000, "due today".to_owned()),
            ] {
                if at <= now {
                    continue;
                }
                let body = format!(
                    "Hello {},\n\nyour answers to “{}” of {workspace} are {when} ({}). Only those who have not submitted get this reminder; nobody learns what you wrote before the reveal.\n\nAnswer here: {link}",
                    user.name,
                    round.title,
                    utc_day(due_at)
                );
                if let Some(mut mail) = self
                    .compose(
                        "nudge",
                        user.id,
                        &user.email,
                        format!("Reminder: {} is {when}", round.title),
                        &body,
                    )
                    .await?
                {
                    mail.send_at = Some(at);
                    mail.round_id = Some(round.id);
                    mails.push(mail);
                }
            }
        }
        Ok(mails)
    }

    /// The "round is revealed" mails: to every participant who was not left
    /// out, but the one revealing it.
    pub(crate) async fn round_revealed_mails(
        &self,
        round: &RoundRecord,
        workspace: &str,
        revealer: i64,
        left_out: &[i64],
    ) -> Result<Vec<NewMail>> {
        let mut mails = Vec::new();
        for p in self.store().participants(round.id).await? {
            if p.user_id == revealer || left_out.contains(&p.user_id) {
                continue;
            }
            let user = self.store().user(p.user_id).await?;
            let link = format!(
                "{}/w/{}/rounds/{}/session",
                self.settings().public_url,
                round.workspace_id,
                round.id
            );
            let session = round
                .session_at
                .map(|at| {
                    format!(
                        "\nThe listening session is planned for {} (UTC).",
                        utc_time(at)
                    )
                })
                .unwrap_or_default();
            let body = format!(
                "Hello {},\n\nthe answers to “{}” of {workspace} are revealed: everyone's answers side by side.{session}\n\nRead them here: {link}",
                user.name, round.title
            );
            if let Some(mail) = self
                .compose(
                    "round_revealed",
                    user.id,
                    &user.email,
                    format!("Revealed: {}", round.title),
                    &body,
                )
                .await?
            {
                mails.push(mail);
            }
        }
        Ok(mails)
    }

    /// Turns off the kind of mail an unsubscribe secret came with; returns
    /// the kind's description. NotFound for an unknown secret.
    pub async fn unsubscribe(&self, secret: &str) -> Result<&'static str> {
        let (user_id, kind) = self
            .store()
            .unsubscribe_target(&token_hash(secret))
            .await?
            .ok_or(AppError::NotFound)?;
        self.store().opt_out(user_id, &kind).await?;
        Ok(KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("these mails", |(_, label)| label))
    }

    /// Which kinds of mail `actor` gets: (kind, description, on).
    pub async fn mail_preferences(
        &self,
        actor: &crate::Actor,
    ) -> Result<Vec<(&'static str, &'static str, bool)>> {
        let off = self.store().opt_outs(actor.id()).await?;
        Ok(KINDS
            .iter()
            .map(|(kind, label)| (*kind, *label, !off.iter().any(|k| k == kind)))
            .collect())
    }

    /// Turns the kinds of mail in `on` on and every other kind off.
    /// Unknown kinds are refused.
    pub async fn set_mail_preferences(&self, actor: &crate::Actor, on: &[String]) -> Result<()> {
        if let Some(unknown) = on.iter().find(|k| !KINDS.iter().any(|(kind, _)| kind == k)) {
            return Err(AppError::invalid(
                "kinds",
                format!("“{unknown}” is not a kind of mail"),
            ));
        }
        for (kind, _) in KINDS {
            if on.iter().any(|k| k == kind) {
                self.store().opt_in(actor.id(), kind).await?;
            } else {
                self.store().opt_out(actor.id(), kind).await?;
            }
        }
        Ok(())
    }

    /// Sends one due mail, if there is one; returns whether it took one.
    pub async fn send_one_mail(&self, now: i64) -> Result<bool> {
        let Some(mailer) = self.mailer.get() else {
            return Ok(false);
        };
        let Some(mail) = self.store().claim_mail(now, now - STALE_CLAIM_MS).await? else {
            return Ok(false);
        };
        if mail.kind == "nudge" && !self.nudge_still_needed(&mail).await? {
            self.store().mail_dropped(mail.id).await?;
            return Ok(true);
        }
        let outgoing = OutgoingMail {
            message_id: mail.message_id.clone(),
            to: mail.address.clone(),
            subject: mail.subject.clone(),
            text: mail.body.clone(),
            unsubscribe_url: mail
                .body
                .lines()
                .rev()
                .find_map(|l| l.split_once("one click: ").map(|(_, link)| link.to_owned())),
        };
        match mailer.send(&outgoing).await {
            Ok(()) => self.store().mail_sent(mail.id).await?,
            Err(MailError::Temporary(reason)) if mail.attempts < MAX_ATTEMPTS => {
                let wait = self.settings().mail_retry.as_millis() as i64
                    * (1 << (mail.attempts - 1).clamp(0, 16));
                tracing::warn!(
                    mail = mail.id,
                    attempts = mail.attempts,
                    "mail refused for now; retrying"
                );
                self.store()
                    .mail_failed(mail.id, &reason, Some(now + wait))
                    .await?
            }
            Err(err) => {
                tracing::error!(mail = mail.id, attempts = mail.attempts, "mail given up");
                self.store()
                    .mail_failed(mail.id, &err.to_string(), None)
                    .await?
            }
        }
        Ok(true)
    }

    /// Whether a nudge's person still has to answer: the round is still
    /// open and they have not submitted.
    async fn nudge_still_needed(&self, mail: &parallax_store::MailRecord) -> Result<bool> {
        let (Some(round_id), Some(user_id)) = (mail.round_id, mail.user_id) else {
            return Ok(false);
        };
        let round = self.store().round_by_id(round_id).await?;
        if round.state != parallax_domain::round::RoundState::Answering {
            return Ok(false);
        }
        Ok(self
            .store()
            .participants(round_id)
            .await?
            .iter()
            .any(|p| p.user_id == user_id && p.submitted_at.is_none()))
    }

    /// Sends the outbox's mail until the process ends.
    pub async fn run_outbox(self) {
        loop {
            match self.send_one_mail(parallax_store::now_ms()).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "the outbox could not run"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

/// `2027-01-18 09:00`, a Unix-ms time in UTC.
fn utc_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// `2027-01-18`, the UTC day of a Unix-ms time.
fn utc_day(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}
