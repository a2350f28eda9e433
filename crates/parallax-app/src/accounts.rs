//! Sign-up, sign-in, sessions, passwords and personal API tokens.

use parallax_domain::Invalid;
use parallax_domain::account::{DisplayName, Email, Password};
use parallax_domain::workspace::WorkspaceName;
use parallax_store::{
    ApiTokenRecord, LoginAttempt, LoginSlot, NewUser, UserRecord, WorkspaceRecord, now_ms,
};

use crate::error::collect_invalid;
use crate::secrets::{hash_password, new_token, token_hash, verify_password};
use crate::{Actor, App, AppError, Result};

/// At most this many failed sign-ins per IP address per minute…
pub const MAX_FAILURES_PER_IP_PER_MINUTE: i64 = 10;
/// …and this many per account per hour.
pub const MAX_FAILURES_PER_ACCOUNT_PER_HOUR: i64 = 100;

/// What a person types to create an account.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Name of the first workspace (defaults to "<name>'s workspace").
    #[serde(default)]
    pub workspace: String,
}

/// A new session: the secret goes into the cookie, its hash into the store.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cookie value.
    pub token: String,
    /// The signed-in account.
    pub user: UserRecord,
}

struct ValidAccount {
    name: DisplayName,
    email: Email,
    password: Password,
}

fn validate_account(name: &str, email: &str, password: &str) -> Result<ValidAccount> {
    let (name, email, password) = (
        DisplayName::parse(name),
        Email::parse(email),
        Password::parse(password),
    );
    collect_invalid(&[
        name.as_ref().err(),
        email.as_ref().err(),
        password.as_ref().err(),
    ])?;
    let (Ok(name), Ok(email), Ok(password)) = (name, email, password) else {
        unreachable!("collect_invalid returned early on any failure")
    };
    Ok(ValidAccount {
        name,
        email,
        password,
    })
}

impl App {
    /// Whether the sign-up form is open: always for the first account of an
    /// instance, afterwards only when the operator allows open sign-up.
    pub async fn signup_open(&self) -> Result<bool> {
        Ok(self.settings().open_signup || !self.store().has_users().await?)
    }

    /// Whether no account exists yet (the next sign-up becomes administrator).
    pub async fn is_fresh(&self) -> Result<bool> {
        Ok(!self.store().has_users().await?)
    }

    /// Creates an account with a first workspace it owns, and signs it in.
    /// The first account of an instance becomes its administrator.
    pub async fn sign_up(&self, form: &SignUp) -> Result<(Session, WorkspaceRecord)> {
        if !self.signup_open().await? {
            return Err(AppError::Forbidden);
        }
        let account = validate_account(&form.name, &form.email, &form.password)?;
        let workspace_name = if form.workspace.trim().is_empty() {
            let default = format!("{}'s workspace", account.name.as_str());
            WorkspaceName::parse(&default.chars().take(80).collect::<String>())?
        } else {
            WorkspaceName::parse(&form.workspace)
                .map_err(|e| Invalid::new("workspace", e.message))?
        };
        let hash = hash_password(account.password.expose().to_owned()).await?;
        let (user, workspace) = self
            .store()
            .create_user_with_workspace(
                &NewUser {
                    email: account.email.as_str(),
                    name: account.name.as_str(),
                    password_hash: &hash,
                },
                workspace_name.as_str(),
                !self.settings().open_signup,
            )
            .await
            .map_err(|err| match err {
                // Another first account won the race while sign-up is closed.
                parallax_store::StoreError::Conflict => AppError::Forbidden,
                other => duplicate_email(other),
            })?;
        self.store()
            .audit(
                Some(workspace.id),
                Some(user.id),
                "workspace.created",
                workspace.name.as_str(),
            )
            .await?;
        Ok((self.start_session(user).await?, workspace))
    }

    /// Signs in with e-mail and password, throttled per IP and per account.
    pub async fn sign_in(&self, email: &str, password: &str, ip: &str) -> Result<Session> {
        let email = email.trim().to_lowercase();
        // No account has a longer address; such a key is not worth a slot.
        if email.len() > 254 {
            return Err(AppError::BadCredentials);
        }
        let slot = self.take_password_slot(ip, &email).await?;
        let user = self.store().user_by_email(&email).await?;
        let ok = verify_password(
            password.to_owned(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
        match user {
            Some(user) if ok => {
                self.store().release_login_slot(&slot).await?;
                self.start_session(user).await
            }
            _ => Err(AppError::BadCredentials),
        }
    }

    /// Takes the slot of one password check for `email` from `ip` (a client
    /// address, or another key with the same per-minute limit), or says when
    /// to retry. The slot counts as a failure until it is released.
    async fn take_password_slot(&self, ip: &str, email: &str) -> Result<String> {
        let now = now_ms();
        let (slot, _) = new_token();
        let taken = self
            .store()
            .take_login_slot(&LoginAttempt {
                ip,
                email,
                slot: &slot,
                ip_since: now - 60_000,
                ip_limit: MAX_FAILURES_PER_IP_PER_MINUTE,
                email_since: now - 3_600_000,
                email_limit: MAX_FAILURES_PER_ACCOUNT_PER_HOUR,
            })
            .await?;
        let retry_after = |oldest: Option<i64>, window: i64| {
            let wait = oldest.map_or(window, |t| t + window - now);
            AppError::TooManyAttempts((wait.max(1000) as u64).div_ceil(1000))
        };
        match taken {
            LoginSlot::Taken => Ok(slot),
            LoginSlot::AddressFull { oldest } => Err(retry_after(oldest, 60_000)),
            LoginSlot::AccountFull { oldest } => Err(retry_after(oldest, 3_600_000)),
        }
    }

    async fn start_session(&self, user: UserRecord) -> Result<Session> {
        let (token, hash) = new_token();
        let expires = now_ms() + self.settings().session_ttl.as_millis() as i64;
        self.store().create_session(&hash, user.id, expires).await?;
        Ok(Session { token, user })
    }

    /// The actor behind a session cookie, if the session is live.
    pub async fn session_actor(&self, token: &str) -> Result<Option<Actor>> {
        Ok(self
            .store()
            .session_user(&token_hash(token))
            .await?
            .map(|user| Actor { user }))
    }

    /// The actor behind a personal API token, if it is live.
    pub async fn api_token_actor(&self, token: &str) -> Result<Option<Actor>> {
        Ok(self
            .store()
            .api_token_user(&token_hash(token))
            .await?
            .map(|user| Actor { user }))
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        Ok(self.store().delete_session(&token_hash(token)).await?)
    }

    /// Changes the password after checking the current one (throttled like
    /// sign-in); ends every session of the account and returns a fresh one
    /// for the caller.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<Session> {
        // Guesses of the current password count like failed sign-ins: per
        // account, and per minute for this account's sessions and tokens.
        let slot = self
            .take_password_slot(&format!("account:{}", actor.id()), &actor.user.email)
            .await?;
        let ok =
            verify_password(current.to_owned(), Some(actor.user.password_hash.clone())).await?;
        if !ok {
            return Err(AppError::invalid("current", "is not your current password"));
        }
        self.store().release_login_slot(&slot).await?;
        let new = Password::parse(new)?;
        let hash = hash_password(new.expose().to_owned()).await?;
        self.store().set_password(actor.id(), &hash).await?;
        let user = self.store().user(actor.id()).await?;
        self.start_session(user).await
    }

    /// Creates a personal API token; the secret is shown once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(ApiTokenRecord, String)> {
        let name = parallax_domain::bounded_text("name", name, 1, 80)?;
        let (token, hash) = new_token();
        let record = self
            .store()
            .create_api_token(actor.id(), &name, &hash)
            .await?;
        Ok((record, format!("px_{token}")))
    }

    /// The caller's live API tokens.
    pub async fn api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenRecord>> {
        Ok(self.store().api_tokens(actor.id()).await?)
    }

    /// Revokes one of the caller's API tokens.
    pub async fn revoke_api_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        Ok(self.store().revoke_api_token(actor.id(), token_id).await?)
    }

    /// Creates an account through an invitation link and signs it in.
    pub async fn sign_up_by_invite(
        &self,
        secret: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<(Session, i64)> {
        self.open_invite(secret).await?;
        let account = validate_account(name, email, password)?;
        let hash = hash_password(account.password.expose().to_owned()).await?;
        let (user, invite) = self
            .store()
            .accept_invite_with_new_user(
                &token_hash(secret),
                &NewUser {
                    email: account.email.as_str(),
                    name: account.name.as_str(),
                    password_hash: &hash,
                },
            )
            .await
            .map_err(duplicate_email)?;
        self.store()
            .audit(
                Some(invite.workspace_id),
                Some(user.id),
                "member.joined",
                &format!("{} joined as {}", user.name, invite.role.label()),
            )
            .await?;
        Ok((self.start_session(user).await?, invite.workspace_id))
    }
}

fn duplicate_email(err: parallax_store::StoreError) -> AppError {
    match err {
        parallax_store::StoreError::Duplicate => {
            AppError::invalid("email", "already has an account; sign in instead")
        }
        other => other.into(),
    }
}
