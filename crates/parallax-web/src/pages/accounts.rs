//! Sign-up, sign-in, sign-out and the account page.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_app::accounts::SignUp;
use serde::Deserialize;

use super::layout::{Field, FormErrors, dash, form_alert, page, when};
use crate::auth::{
    ClientIp, Ctx, SESSION_COOKIE, SignedIn, clear_session_cookie, cookie, redirect_with_flash,
    safe_next, session_cookie,
};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/", get(home)),
        ("/signup", get(signup_form).post(signup)),
        ("/login", get(login_form).post(login)),
        ("/logout", post(logout)),
        ("/account", get(account)),
        ("/account/password", post(change_password)),
        ("/account/tokens", post(create_token)),
        ("/account/tokens/{token_id}/revoke", post(revoke_token)),
        ("/account/calendar", post(create_calendar_feed)),
        ("/account/mail", post(set_mail)),
        ("/password/forgot", get(forgot_form).post(forgot)),
        ("/password/reset/{secret}", get(reset_form).post(reset)),
        ("/account/calendar/revoke", post(revoke_calendar_feed)),
    ]
}

/// The signed-in person's home page; everyone else is sent to sign up (on
/// a fresh server) or sign in.
async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    Ok(if let Some(actor) = &ctx.actor {
        super::home::home_page(&state, actor, ctx.flash.as_deref())
            .await?
            .into_response()
    } else if state.app.is_fresh().await? {
        Redirect::to("/signup").into_response()
    } else {
        Redirect::to("/login").into_response()
    })
}

fn signup_page(ctx: &Ctx, form: &SignUp, errors: &FormErrors, first: bool) -> Markup {
    page(
        "Create your account",
        ctx.actor.as_ref(),
        ctx.flash.as_deref(),
        html! {
            div.narrow.card {
                h1 { "Create your account" }
                @if first {
                    p.muted { "You are the first person here: you become this server's administrator and the owner of a first workspace." }
                }
                (form_alert(errors, &["name", "email", "password", "workspace"]))
                form.stack method="post" action="/signup" novalidate {
                    (Field { label: "Your name", name: "name", kind: "text", value: &form.name, hint: None, autocomplete: "name" }.render(errors))
                    (Field { label: "E-mail", name: "email", kind: "email", value: &form.email, hint: None, autocomplete: "email" }.render(errors))
                    (Field { label: "Password", name: "password", kind: "password", value: "", hint: Some("8 to 128 characters; a passphrase of a few words is best."), autocomplete: "new-password" }.render(errors))
                    (Field { label: "Workspace name", name: "workspace", kind: "text", value: &form.workspace, hint: Some("Your company or team. You can add more later."), autocomplete: "organization" }.render(errors))
                    button type="submit" { "Create account" }
                }
                p.muted { "Already have an account? " a href="/login" { "Sign in" } }
            }
        },
    )
}

async fn signup_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if !state.app.signup_open().await? {
        return Ok(closed_signup(&ctx).into_response());
    }
    let first = state.app.is_fresh().await?;
    Ok(signup_page(&ctx, &SignUp::default(), &FormErrors::default(), first).into_response())
}

fn closed_signup(ctx: &Ctx) -> (StatusCode, Markup) {
    (
        StatusCode::FORBIDDEN,
        page(
            "Sign-up is by invitation",
            ctx.actor.as_ref(),
            None,
            html! {
                div.narrow.card {
                    h1 { "Sign-up is by invitation" }
                    p { "Ask a workspace owner for an invitation link, or " a href="/login" { "sign in" } "." }
                }
            },
        ),
    )
}

async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<SignUp>,
) -> Result<Response, PageError> {
    match state.app.sign_up(&form).await {
        Ok((session, workspace)) => {
            let mut response = redirect_with_flash(
                &format!("/w/{}", workspace.id),
                &format!("Welcome, {}. Your workspace is ready.", session.user.name),
            );
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &session.token));
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => {
            let first = state.app.is_fresh().await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                signup_page(&ctx, &form, &FormErrors(errors), first),
            )
                .into_response())
        }
        Err(AppError::Forbidden) => Ok(closed_signup(&ctx).into_response()),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn login_page(ctx: &Ctx, email: &str, next: Option<&str>, error: Option<&str>) -> Markup {
    page(
        "Sign in",
        ctx.actor.as_ref(),
        ctx.flash.as_deref(),
        html! {
            div.narrow.card {
                h1 { "Sign in" }
                @if let Some(error) = error { div.alert role="alert" { (error) } }
                form.stack method="post" action="/login" {
                    (Field { label: "E-mail", name: "email", kind: "email", value: email, hint: None, autocomplete: "username" }.render(&FormErrors::default()))
                    (Field { label: "Password", name: "password", kind: "password", value: "", hint: None, autocomplete: "current-password" }.render(&FormErrors::default()))
                    @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                    button type="submit" { "Sign in" }
                }
                p { a href="/password/forgot" { "Forgot your password?" } }
            }
        },
    )
}

async fn login_form(ctx: Ctx, Query(query): Query<NextQuery>) -> Response {
    if ctx.actor.is_some() {
        return Redirect::to(safe_next(query.next.as_deref())).into_response();
    }
    login_page(&ctx, "", query.next.as_deref(), None).into_response()
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .sign_in(&form.email, &form.password, &ip.to_string())
        .await
    {
        Ok(session) => {
            let mut response = Redirect::to(safe_next(form.next.as_deref())).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &session.token));
            Ok(response)
        }
        Err(AppError::BadCredentials) => Ok((
            StatusCode::UNAUTHORIZED,
            login_page(
                &ctx,
                &form.email,
                form.next.as_deref(),
                Some("The e-mail address or the password is wrong."),
            ),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.app.sign_out(token).await?;
    }
    let mut response = redirect_with_flash("/login", "You are signed out.");
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_session_cookie());
    Ok(response)
}

/// A secret just made, shown on the account page this once.
enum NewSecret<'a> {
    /// An API token.
    Token(&'a str),
    /// A calendar feed's URL.
    Feed(&'a str),
}

async fn account_page(
    state: &AppState,
    signed: &SignedIn,
    errors: &FormErrors,
    new: Option<NewSecret<'_>>,
) -> Result<Markup, PageError> {
    let tokens = state.app.api_tokens(&signed.actor).await?;
    let feed_since = state.app.calendar_feed_since(&signed.actor).await?;
    let mail = state.app.mail_preferences(&signed.actor).await?;
    let new_token = match new {
        Some(NewSecret::Token(secret)) => Some(secret),
        _ => None,
    };
    let new_feed = match new {
        Some(NewSecret::Feed(url)) => Some(url),
        _ => None,
    };
    let user = &signed.actor.user;
    Ok(page(
        "Your account",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            h1 { "Your account" }
            div.card {
                p { strong { (user.name) } " · " (user.email) }
                @if user.is_admin { p { span.badge { "Instance administrator" } } }
            }
            div.card {
                h2 { "Change password" }
                p.muted { "Changing your password signs you out everywhere else." }
                (form_alert(errors, &["current", "password", "name"]))
                form.stack method="post" action="/account/password" {
                    (Field { label: "Current password", name: "current", kind: "password", value: "", hint: None, autocomplete: "current-password" }.render(errors))
                    (Field { label: "New password", name: "password", kind: "password", value: "", hint: Some("8 to 128 characters."), autocomplete: "new-password" }.render(errors))
                    div { button type="submit" { "Change password" } }
                }
            }
            div.card {
                h2 { "API tokens" }
                p.muted { "Personal tokens for the JSON API (" code { "Authorization: Bearer …" } "). A token acts as you." }
                @if let Some(secret) = new_token {
                    div.flash role="status" {
                        p { "Copy your new token now; it will not be shown again." }
                        div.copy {
                            input id="new-token" type="text" readonly value=(secret);
                            button.secondary type="button" data-copy="new-token" { "Copy" }
                        }
                    }
                }
                @if tokens.is_empty() {
                    p.empty { "No API tokens yet." }
                } @else {
                    table.responsive {
                        thead { tr { th { "Name" } th { "Created" } th { "Last used" } th {} } }
                        tbody {
                            @for token in &tokens {
                                tr {
                                    td { (token.name) }
                                    td { (when(token.created_at)) }
                                    td { @if let Some(t) = token.last_used_at { (when(t)) } @else { (dash()) } }
                                    td {
                                        form.inline method="post" action={ "/account/tokens/" (token.id) "/revoke" } data-confirm="Revoke this token? Programs using it will stop working." {
                                            button.danger.small type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                form.stack method="post" action="/account/tokens" {
                    (Field { label: "New token name", name: "name", kind: "text", value: "", hint: Some("What will use it, e.g. \"CI export\"."), autocomplete: "off" }.render(errors))
                    div { button.secondary type="submit" { "Create token" } }
                }
            }
            div.card #mail-preferences {
                h2 { "Mail" }
                @if !state.app.mail_enabled() {
                    p.muted { "This server sends no mail (no SMTP server is set up)." }
                }
                form.stack method="post" action="/account/mail" {
                    fieldset {
                        legend { "Mail me when" }
                        @for (kind, label, on) in &mail {
                            label.inline {
                                input type="checkbox" name="on" value=(kind) checked[*on];
                                (label)
                            }
                        }
                    }
                    div { button.secondary type="submit" { "Save mail choices" } }
                }
            }
            div.card #calendar-feed {
                h2 { "Calendar feed" }
                p.muted { "A private iCalendar link for your calendar program: the rounds you answer (answering window and due date) and the due dates of your open actions. It names rounds and dates, never an answer. Anyone holding the link reads it." }
                @if let Some(url) = new_feed {
                    div.flash role="status" {
                        p { "Subscribe to this link now; it will not be shown again." }
                        div.copy {
                            input id="new-feed" type="text" readonly value=(url) aria-label="Calendar feed link";
                            button.secondary type="button" data-copy="new-feed" { "Copy" }
                        }
                    }
                }
                @if let Some(since) = feed_since {
                    p { "On since " (when(since)) "." }
                    div.actions {
                        form.inline method="post" action="/account/calendar" data-confirm="Make a new link? The current one stops working." {
                            button.secondary type="submit" { "Replace the link" }
                        }
                        form.inline method="post" action="/account/calendar/revoke" data-confirm="Turn the calendar feed off? Calendars subscribed to it stop updating." {
                            button.danger type="submit" { "Turn off" }
                        }
                    }
                } @else {
                    p.empty { "No calendar feed yet." }
                    form.inline method="post" action="/account/calendar" {
                        button.secondary type="submit" { "Make a calendar link" }
                    }
                }
            }
        },
    ))
}

async fn account(State(state): State<AppState>, signed: SignedIn) -> Result<Markup, PageError> {
    account_page(&state, &signed, &FormErrors::default(), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordForm {
    current: String,
    password: String,
}

async fn change_password(
    State(state): State<AppState>,
    signed: SignedIn,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .change_password(&signed.actor, &form.current, &form.password)
        .await
    {
        Ok(session) => {
            let mut response = redirect_with_flash(
                "/account",
                "Password changed. Other sessions were signed out.",
            );
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &session.token));
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page(&state, &signed, &FormErrors(errors), None).await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenForm {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    signed: SignedIn,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Response, PageError> {
    match state.app.create_api_token(&signed.actor, &form.name).await {
        Ok((_, secret)) => Ok(account_page(
            &state,
            &signed,
            &FormErrors::default(),
            Some(NewSecret::Token(&secret)),
        )
        .await?
        .into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page(&state, &signed, &FormErrors(errors), None).await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(token_id): Path<i64>,
) -> Result<Response, PageError> {
    state.app.revoke_api_token(&signed.actor, token_id).await?;
    Ok(redirect_with_flash("/account", "Token revoked."))
}

async fn create_calendar_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: SignedIn,
) -> Result<Markup, PageError> {
    let secret = state.app.create_calendar_feed(&signed.actor).await?;
    let url = crate::calendar::feed_url(&state, &headers, &secret);
    account_page(
        &state,
        &signed,
        &FormErrors::default(),
        Some(NewSecret::Feed(&url)),
    )
    .await
}

async fn revoke_calendar_feed(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Response, PageError> {
    state.app.revoke_calendar_feed(&signed.actor).await?;
    Ok(redirect_with_flash("/account", "Calendar feed turned off."))
}

fn forgot_page(ctx: &Ctx, email: &str, done: bool, error: Option<&str>) -> Markup {
    page(
        "Forgot your password",
        ctx.actor.as_ref(),
        ctx.flash.as_deref(),
        html! {
            div.narrow.card {
                h1 { "Forgot your password?" }
                @if done {
                    p #reset-sent role="status" { "If an account has this address, we sent it a link to choose a new password. The link works once, for one hour." }
                } @else {
                    @if let Some(error) = error { div.alert role="alert" { (error) } }
                    p.muted { "We mail you a link to choose a new one." }
                    form.stack method="post" action="/password/forgot" {
                        (Field { label: "E-mail", name: "email", kind: "email", value: email, hint: None, autocomplete: "username" }.render(&FormErrors::default()))
                        button type="submit" { "Mail me a link" }
                    }
                }
                p { a href="/login" { "Back to sign in" } }
            }
        },
    )
}

async fn forgot_form(ctx: Ctx) -> Markup {
    forgot_page(&ctx, "", false, None)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgotForm {
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<ForgotForm>,
) -> Result<Response, PageError> {
    match state.app.request_password_reset(&form.email).await {
        Ok(()) => Ok(forgot_page(&ctx, &form.email, true, None).into_response()),
        Err(AppError::Conflict(message)) => Ok((
            StatusCode::CONFLICT,
            forgot_page(&ctx, &form.email, false, Some(&message)),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

fn reset_page(ctx: &Ctx, secret: &str, errors: &FormErrors) -> Markup {
    page(
        "Choose a new password",
        ctx.actor.as_ref(),
        ctx.flash.as_deref(),
        html! {
            div.narrow.card {
                h1 { "Choose a new password" }
                p.muted { "Every session of your account ends; sign in with the new password afterwards." }
                form.stack method="post" action={ "/password/reset/" (secret) } {
                    (Field { label: "New password", name: "password", kind: "password", value: "", hint: Some("8 to 128 characters."), autocomplete: "new-password" }.render(errors))
                    button type="submit" { "Set the new password" }
                }
            }
        },
    )
}

fn reset_gone(ctx: &Ctx) -> Response {
    (
        StatusCode::NOT_FOUND,
        page(
            "Link used or expired",
            ctx.actor.as_ref(),
            None,
            html! {
                div.narrow.card {
                    h1 { "This link was used or has expired" }
                    p { "Reset links work once, for one hour. " a href="/password/forgot" { "Ask for a new one" } "." }
                }
            },
        ),
    )
        .into_response()
}

async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    if !state.app.password_reset_open(&secret).await? {
        return Ok(reset_gone(&ctx));
    }
    Ok(reset_page(&ctx, &secret, &FormErrors::default()).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetForm {
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response, PageError> {
    match state.app.reset_password(&secret, &form.password).await {
        Ok(()) => Ok(redirect_with_flash(
            "/login",
            "Password changed: sign in with the new one.",
        )),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            reset_page(&ctx, &secret, &FormErrors(errors)),
        )
            .into_response()),
        Err(AppError::NotFound) => Ok(reset_gone(&ctx)),
        Err(other) => Err(other.into()),
    }
}

async fn set_mail(
    State(state): State<AppState>,
    signed: SignedIn,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let on: Vec<String> = fields
        .into_iter()
        .filter(|(k, _)| k == "on")
        .map(|(_, v)| v)
        .collect();
    state.app.set_mail_preferences(&signed.actor, &on).await?;
    Ok(redirect_with_flash("/account", "Mail choices saved."))
}
