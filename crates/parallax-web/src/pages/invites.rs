//! Accepting an invitation link, with or without an account.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_app::workspaces::InvitePreview;
use serde::Deserialize;

use super::layout::{Field, FormErrors, form_alert, page, when};
use crate::auth::{Ctx, SignedIn, redirect_with_flash, session_cookie};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/invite/{secret}", get(show)),
        ("/invite/{secret}/accept", post(accept)),
        ("/invite/{secret}/signup", post(signup)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteSignUp {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn invite_page(
    ctx: &Ctx,
    secret: &str,
    invite: &InvitePreview,
    form: &InviteSignUp,
    errors: &FormErrors,
) -> Markup {
    page(
        &format!("Join {}", invite.workspace_name),
        ctx.actor.as_ref(),
        ctx.flash.as_deref(),
        html! {
            div.narrow.card {
                h1 { "Join " (invite.workspace_name) }
                p { (invite.inviter_name) " invites you as " strong { (invite.role.label()) } "." }
                p.muted { "This link works once and expires " (when(invite.expires_at)) "." }
                @if let Some(actor) = &ctx.actor {
                    form.stack method="post" action={ "/invite/" (secret) "/accept" } {
                        p { "You are signed in as " (actor.user.name) "." }
                        button type="submit" { "Join " (invite.workspace_name) }
                    }
                } @else {
                    h2 { "Create your account" }
                    (form_alert(errors, &["name", "email", "password"]))
                    form.stack method="post" action={ "/invite/" (secret) "/signup" } novalidate {
                        (Field { label: "Your name", name: "name", kind: "text", value: &form.name, hint: None, autocomplete: "name" }.render(errors))
                        (Field { label: "E-mail", name: "email", kind: "email", value: &form.email, hint: None, autocomplete: "email" }.render(errors))
                        (Field { label: "Password", name: "password", kind: "password", value: "", hint: Some("8 to 128 characters."), autocomplete: "new-password" }.render(errors))
                        button type="submit" { "Create account and join" }
                    }
                    p.muted { "Already have an account? " a href={ "/login?next=/invite/" (secret) } { "Sign in first" } }
                }
            }
        },
    )
}

fn dead_link() -> PageError {
    PageError::Rejected(
        StatusCode::NOT_FOUND,
        "This invitation link is not valid: it was used, revoked or has expired. Ask for a new one.".into(),
    )
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
) -> Result<Markup, PageError> {
    let invite = state.app.open_invite(&secret).await.map_err(|e| match e {
        AppError::NotFound => dead_link(),
        other => other.into(),
    })?;
    Ok(invite_page(
        &ctx,
        &secret,
        &invite,
        &InviteSignUp::default(),
        &FormErrors::default(),
    ))
}

async fn accept(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let workspace_id = state
        .app
        .accept_invite(&signed.actor, &secret)
        .await
        .map_err(|e| match e {
            AppError::NotFound => dead_link(),
            other => other.into(),
        })?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}"),
        "Welcome to the workspace.",
    ))
}

async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
    PageForm(form): PageForm<InviteSignUp>,
) -> Result<Response, PageError> {
    match state
        .app
        .sign_up_by_invite(&secret, &form.name, &form.email, &form.password)
        .await
    {
        Ok((session, workspace_id)) => {
            let mut response = redirect_with_flash(
                &format!("/w/{workspace_id}"),
                &format!("Welcome, {}.", session.user.name),
            );
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &session.token));
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => {
            let invite = state
                .app
                .open_invite(&secret)
                .await
                .map_err(|_| dead_link())?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                invite_page(&ctx, &secret, &invite, &form, &FormErrors(errors)),
            )
                .into_response())
        }
        Err(AppError::NotFound) => Err(dead_link()),
        Err(other) => Err(other.into()),
    }
}
