//! Accounts over the API: sign-up (also through an invitation), sessions,
//! the caller, passwords, personal tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use parallax_app::accounts::{Session, SignUp};
use parallax_store::{ApiTokenRecord, UserRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::{
    ApiActor, ClientIp, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie,
};
use crate::error::{ApiError, ApiJson, NoBody};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/api/v1/signup", post(signup)),
        ("/api/v1/session", post(sign_in).delete(sign_out)),
        ("/api/v1/me", get(me)),
        ("/api/v1/me/password", put(change_password)),
        ("/api/v1/invites/{secret}/signup", post(invite_signup)),
        ("/api/v1/tokens", get(tokens).post(create_token)),
        ("/api/v1/tokens/{token_id}", delete(revoke_token)),
    ]
}

/// An account as the API shows it.
#[derive(Debug, Serialize)]
pub(crate) struct UserJson {
    id: i64,
    name: String,
    email: String,
    is_admin: bool,
}

impl From<&UserRecord> for UserJson {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            is_admin: u.is_admin,
        }
    }
}

/// A response that signs the caller in with `session`.
fn signed_in(state: &AppState, status: StatusCode, session: &Session, body: Value) -> Response {
    (
        status,
        [(header::SET_COOKIE, session_cookie(state, &session.token))],
        Json(body),
    )
        .into_response()
}

async fn signup(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignUp>,
) -> Result<Response, ApiError> {
    let (session, workspace) = state.app.sign_up(&form).await?;
    let body = json!({
        "user": UserJson::from(&session.user),
        "workspace": { "id": workspace.id, "name": workspace.name },
    });
    Ok(signed_in(&state, StatusCode::CREATED, &session, body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(form): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let session = state
        .app
        .sign_in(&form.email, &form.password, &ip.to_string())
        .await?;
    let body = json!({ "user": UserJson::from(&session.user) });
    Ok(signed_in(&state, StatusCode::OK, &session, body))
}

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

async fn me(ApiActor(actor): ApiActor) -> Json<UserJson> {
    Json(UserJson::from(&actor.user))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current: String,
    password: String,
}

/// Changes the caller's password; every other session ends, and the
/// response carries the caller's new session cookie.
async fn change_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    let session = state
        .app
        .change_password(&actor, &body.current, &body.password)
        .await?;
    let body = json!({ "user": UserJson::from(&session.user) });
    Ok(signed_in(&state, StatusCode::OK, &session, body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteSignUp {
    name: String,
    email: String,
    password: String,
}

/// Creates an account through an invitation link, joins its workspace and
/// signs in.
async fn invite_signup(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    ApiJson(form): ApiJson<InviteSignUp>,
) -> Result<Response, ApiError> {
    let (session, workspace_id) = state
        .app
        .sign_up_by_invite(&secret, &form.name, &form.email, &form.password)
        .await?;
    let body = json!({ "user": UserJson::from(&session.user), "workspace_id": workspace_id });
    Ok(signed_in(&state, StatusCode::CREATED, &session, body))
}

fn token_json(t: &ApiTokenRecord) -> serde_json::Value {
    json!({ "id": t.id, "name": t.name, "created_at": t.created_at, "last_used_at": t.last_used_at })
}

async fn tokens(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tokens = state.app.api_tokens(&actor).await?;
    Ok(Json(
        json!({ "tokens": tokens.iter().map(token_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let (record, secret) = state.app.create_api_token(&actor, &form.name).await?;
    let mut body = token_json(&record);
    body["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(token_id): Path<i64>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_api_token(&actor, token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
