//! Accounts over the API: sign-up (also through an invitation), sessions,
//! the caller, passwords, personal tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parallax_app::accounts::{Session, SignUp};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{
    ApiActor, ClientIp, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie,
};
use crate::error::{ApiError, ApiJson, NoBody};
use crate::views::accounts::{
    CalendarFeed, CreatedCalendarFeed, CreatedToken, Credentials, InviteSignUp, JoinedByInvite,
    MailChoice, MailKind, MailPreferences, NewToken, PasswordChange, PasswordForgotten,
    PasswordReset, SignedIn, SignedUp, Token, TokenList, User, WorkspaceRef,
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(invite_signup))
        .routes(routes!(tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(
            calendar_feed,
            create_calendar_feed,
            revoke_calendar_feed
        ))
        .routes(routes!(mail_preferences, set_mail_preferences))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
}

/// A response that signs the caller in with `session`.
fn signed_in(
    state: &AppState,
    status: StatusCode,
    session: &Session,
    body: impl Serialize,
) -> Response {
    (
        status,
        [(header::SET_COOKIE, session_cookie(state, &session.token))],
        Json(body),
    )
        .into_response()
}

/// Create an account and its first workspace, and sign in.
///
/// The first account of an instance may always sign up; later ones only when
/// open sign-up is on (otherwise through an invitation).
#[utoipa::path(
    post,
    path = "/api/v1/signup",
    tag = "accounts",
    security(()),
    request_body = SignUp,
    responses((status = 201, description = "Signed up and signed in; sets the session cookie", body = SignedUp)),
)]
async fn signup(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignUp>,
) -> Result<Response, ApiError> {
    let (session, workspace) = state.app.sign_up(&form).await?;
    let body = SignedUp {
        user: User::from(&session.user),
        workspace: WorkspaceRef {
            id: workspace.id,
            name: workspace.name,
        },
    };
    Ok(signed_in(&state, StatusCode::CREATED, &session, body))
}

/// Sign in with e-mail and password.
///
/// Failed attempts are limited per address and per account.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "accounts",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; sets the session cookie", body = SignedIn),
        (status = 401, description = "Wrong e-mail or password"),
        (status = 429, description = "Too many failed attempts; `Retry-After` says when to try again"),
    ),
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(form): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let session = state
        .app
        .sign_in(&form.email, &form.password, &ip.to_string())
        .await?;
    let body = SignedIn {
        user: User::from(&session.user),
    };
    Ok(signed_in(&state, StatusCode::OK, &session, body))
}

/// Sign out: ends the session of the cookie sent, and clears it.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "accounts",
    security(()),
    responses((status = 204, description = "Signed out; the cookie is cleared")),
)]
async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    _: NoBody,
) -> Result<Response, ApiError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.app.sign_out(token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie())],
    )
        .into_response())
}

/// The caller's account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    responses((status = 200, description = "The caller", body = User)),
)]
async fn me(ApiActor(actor): ApiActor) -> Json<User> {
    Json(User::from(&actor.user))
}

/// Change the caller's password.
///
/// Every other session ends; the response carries the caller's new session
/// cookie. Wrong current passwords count as failed sign-ins.
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "accounts",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; sets the new session cookie", body = SignedIn),
        (status = 429, description = "Too many wrong current passwords; `Retry-After` says when to try again"),
    ),
)]
async fn change_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    let session = state
        .app
        .change_password(&actor, &body.current, &body.password)
        .await?;
    let body = SignedIn {
        user: User::from(&session.user),
    };
    Ok(signed_in(&state, StatusCode::OK, &session, body))
}

/// Create an account through an invitation link, join its workspace and
/// sign in.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{secret}/signup",
    tag = "accounts",
    security(()),
    params(("secret" = String, Path, description = "The secret of the invitation link")),
    request_body = InviteSignUp,
    responses((status = 201, description = "Signed up, joined and signed in; sets the session cookie", body = JoinedByInvite)),
)]
async fn invite_signup(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    ApiJson(form): ApiJson<InviteSignUp>,
) -> Result<Response, ApiError> {
    let (session, workspace_id) = state
        .app
        .sign_up_by_invite(&secret, &form.name, &form.email, &form.password)
        .await?;
    let body = JoinedByInvite {
        user: User::from(&session.user),
        workspace_id,
    };
    Ok(signed_in(&state, StatusCode::CREATED, &session, body))
}

/// The caller's personal API tokens.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "accounts",
    responses((status = 200, description = "The tokens, without their secrets", body = TokenList)),
)]
async fn tokens(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.app.api_tokens(&actor).await?;
    Ok(Json(TokenList {
        tokens: tokens.iter().map(Token::from).collect(),
    }))
}

/// Create a personal API token; its secret is returned this once.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "accounts",
    request_body = NewToken,
    responses((status = 201, description = "The token with its secret", body = CreatedToken)),
)]
async fn create_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let (record, secret) = state.app.create_api_token(&actor, &form.name).await?;
    let body = CreatedToken {
        record: Token::from(&record),
        token: secret,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Revoke one of the caller's personal API tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{token_id}",
    tag = "accounts",
    responses((status = 204, description = "Revoked: the token no longer authenticates")),
)]
async fn revoke_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(token_id): Path<i64>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_api_token(&actor, token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the caller's calendar feed is on.
#[utoipa::path(
    get,
    path = "/api/v1/me/calendar",
    tag = "accounts",
    responses((status = 200, description = "The feed's state", body = CalendarFeed)),
)]
async fn calendar_feed(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<CalendarFeed>, ApiError> {
    let since = state.app.calendar_feed_since(&actor).await?;
    Ok(Json(CalendarFeed {
        active: since.is_some(),
        since,
    }))
}

/// Make the caller a private calendar feed (iCalendar).
///
/// The rounds they answer (answering window and due date) and the due dates
/// of their open actions. A new feed replaces the old one, whose URL stops
/// working. The URL is shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/me/calendar",
    tag = "accounts",
    responses((status = 201, description = "Made: subscribe to `url`", body = CreatedCalendarFeed)),
)]
async fn create_calendar_feed(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    _: NoBody,
) -> Result<Response, ApiError> {
    let secret = state.app.create_calendar_feed(&actor).await?;
    let url = crate::calendar::feed_url(&state, &headers, &secret);
    Ok((StatusCode::CREATED, Json(CreatedCalendarFeed { url })).into_response())
}

/// Turn the caller's calendar feed off: its URL answers 404 from now on.
#[utoipa::path(
    delete,
    path = "/api/v1/me/calendar",
    tag = "accounts",
    responses((status = 204, description = "Off (or was already)")),
)]
async fn revoke_calendar_feed(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_calendar_feed(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mail a password reset link.
///
/// Answers 204 whether or not an account has the address, so nobody learns
/// which addresses exist; the link works once, for one hour; at most one
/// link per account every five minutes.
#[utoipa::path(
    post,
    path = "/api/v1/password/forgot",
    tag = "accounts",
    security(()),
    request_body = PasswordForgotten,
    responses(
        (status = 204, description = "A link is on its way if the address has an account"),
        (status = 409, description = "Mail is not set up on this server"),
    ),
)]
async fn forgot_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasswordForgotten>,
) -> Result<StatusCode, ApiError> {
    state.app.request_password_reset(&body.email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a new password with a mailed reset link's secret.
///
/// Once per link; every session of the account ends.
#[utoipa::path(
    post,
    path = "/api/v1/password/reset",
    tag = "accounts",
    security(()),
    request_body = PasswordReset,
    responses(
        (status = 204, description = "Changed: sign in with the new password"),
        (status = 404, description = "The link is unknown, used or expired"),
    ),
)]
async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .reset_password(&body.secret, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn preferences_of(
    state: &AppState,
    actor: &parallax_app::Actor,
) -> Result<MailPreferences, ApiError> {
    Ok(MailPreferences {
        kinds: state
            .app
            .mail_preferences(actor)
            .await?
            .into_iter()
            .map(|(kind, description, on)| MailKind {
                kind: kind.into(),
                description: description.into(),
                on,
            })
            .collect(),
    })
}

/// Which kinds of mail the caller gets.
#[utoipa::path(
    get,
    path = "/api/v1/me/mail",
    tag = "accounts",
    responses((status = 200, description = "Every kind of mail, on or off", body = MailPreferences)),
)]
async fn mail_preferences(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<MailPreferences>, ApiError> {
    Ok(Json(preferences_of(&state, &actor).await?))
}

/// Choose the kinds of mail to get; the others are turned off.
#[utoipa::path(
    put,
    path = "/api/v1/me/mail",
    tag = "accounts",
    request_body = MailChoice,
    responses((status = 200, description = "Saved", body = MailPreferences)),
)]
async fn set_mail_preferences(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<MailChoice>,
) -> Result<Json<MailPreferences>, ApiError> {
    state.app.set_mail_preferences(&actor, &body.on).await?;
    Ok(Json(preferences_of(&state, &actor).await?))
}
