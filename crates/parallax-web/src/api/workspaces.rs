//! Workspaces, members and invitations over the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use parallax_app::AppError;
use parallax_domain::workspace::Role;
use parallax_store::{InviteRecord, MemberRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::ApiActor;
use crate::error::{ApiError, ApiJson, NoBody};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/api/v1/workspaces", get(list).post(create)),
        ("/api/v1/workspaces/{workspace_id}", get(show)),
        ("/api/v1/workspaces/{workspace_id}/members", get(members)),
        (
            "/api/v1/workspaces/{workspace_id}/members/{user_id}",
            patch(set_role).delete(remove_member),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/invites",
            get(invites).post(create_invite),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/invites/{invite_id}",
            delete(revoke_invite),
        ),
        ("/api/v1/workspaces/{workspace_id}/audit", get(audit)),
        (
            "/api/v1/workspaces/{workspace_id}/settings",
            patch(settings),
        ),
        ("/api/v1/invites/{secret}", get(preview)),
        ("/api/v1/invites/{secret}/accept", post(accept)),
    ]
}

fn member_json(m: &MemberRecord) -> Value {
    json!({ "user_id": m.user_id, "name": m.name, "email": m.email, "role": m.role, "joined_at": m.joined_at })
}

fn invite_json(i: &InviteRecord) -> Value {
    json!({ "id": i.id, "role": i.role, "created_at": i.created_at, "expires_at": i.expires_at })
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let memberships = state.app.my_workspaces(&actor).await?;
    Ok(Json(json!({
        "workspaces": memberships.iter().map(|m| json!({
            "id": m.workspace.id, "name": m.workspace.name, "role": m.role
        })).collect::<Vec<_>>()
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWorkspace {
    name: String,
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<NewWorkspace>,
) -> Result<Response, ApiError> {
    let workspace = state.app.create_workspace(&actor, &form.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": workspace.id, "name": workspace.name, "role": Role::Owner })),
    )
        .into_response())
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let view = state.app.workspace(&actor, workspace_id).await?;
    Ok(Json(
        json!({ "id": view.workspace.id, "name": view.workspace.name, "role": view.role, "created_at": view.workspace.created_at }),
    ))
}

async fn members(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let members = state.app.members(&actor, workspace_id).await?;
    Ok(Json(
        json!({ "members": members.iter().map(member_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    raw.parse::<Role>()
        .map_err(|e| ApiError::App(AppError::Invalid(vec![e])))
}

async fn set_role(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, user_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<StatusCode, ApiError> {
    let role = parse_role(&body.role)?;
    state
        .app
        .set_role(&actor, workspace_id, user_id, role)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_member(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, user_id)): Path<(i64, i64)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .remove_member(&actor, workspace_id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn invites(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let invites = state.app.open_invites(&actor, workspace_id).await?;
    Ok(Json(
        json!({ "invites": invites.iter().map(invite_json).collect::<Vec<_>>() }),
    ))
}

async fn create_invite(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Response, ApiError> {
    let role = parse_role(&body.role)?;
    let (invite, secret) = state.app.create_invite(&actor, workspace_id, role).await?;
    let mut body = invite_json(&invite);
    body["secret"] = json!(secret);
    body["url"] = json!(format!(
        "{}/invite/{secret}",
        crate::public_base(&state, &headers)
    ));
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn revoke_invite(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, invite_id)): Path<(i64, i64)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .revoke_invite(&actor, workspace_id, invite_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let entries = state.app.audit_log(&actor, workspace_id).await?;
    Ok(Json(json!({
        "entries": entries.iter().map(|e| json!({
            "actor": e.actor_name, "action": e.action, "detail": e.detail, "at": e.at
        })).collect::<Vec<_>>()
    })))
}

async fn preview(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let invite = state.app.open_invite(&secret).await?;
    Ok(Json(json!({
        "workspace": { "id": invite.workspace_id, "name": invite.workspace_name },
        "role": invite.role, "inviter": invite.inviter_name, "expires_at": invite.expires_at
    })))
}

async fn accept(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(secret): Path<String>,
    _: NoBody,
) -> Result<Json<Value>, ApiError> {
    let workspace_id = state.app.accept_invite(&actor, &secret).await?;
    Ok(Json(json!({ "workspace_id": workspace_id })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    analysis_enabled: bool,
}

async fn settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_analysis_enabled(&actor, workspace_id, body.analysis_enabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
