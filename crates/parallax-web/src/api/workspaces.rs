//! Workspaces, members and invitations over the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parallax_app::AppError;
use parallax_app::cadence::{CadenceInput, CadenceView, OccurrenceChange};
use parallax_app::trend::Trend;
use parallax_domain::workspace::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::ApiActor;
use crate::error::{ApiError, ApiJson, NoBody};
use crate::views::accounts::WorkspaceRef;
use crate::views::workspaces::{
    AuditEntry, AuditLog, CreatedInvite, Invite, InviteList, InvitePreview, Joined, MemberList,
    Membership, NewWorkspace, RoleBody, Settings, Workspace, WorkspaceList,
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(members))
        .routes(routes!(set_role, remove_member))
        .routes(routes!(invites, create_invite))
        .routes(routes!(revoke_invite))
        .routes(routes!(audit))
        .routes(routes!(trend))
        .routes(routes!(cadence, set_cadence, remove_cadence))
        .routes(routes!(change_occurrence))
        .routes(routes!(settings))
        .routes(routes!(preview))
        .routes(routes!(accept))
}

/// The caller's workspaces, with the caller's role in each.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces",
    tag = "workspaces",
    responses((status = 200, description = "The workspaces", body = WorkspaceList)),
)]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<WorkspaceList>, ApiError> {
    let memberships = state.app.my_workspaces(&actor).await?;
    Ok(Json(WorkspaceList {
        workspaces: memberships
            .iter()
            .map(|m| Membership {
                id: m.workspace.id,
                name: m.workspace.name.clone(),
                role: m.role,
            })
            .collect(),
    }))
}

/// Create a workspace; the caller owns it.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces",
    tag = "workspaces",
    request_body = NewWorkspace,
    responses((status = 201, description = "Created", body = Membership)),
)]
async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(form): ApiJson<NewWorkspace>,
) -> Result<Response, ApiError> {
    let workspace = state.app.create_workspace(&actor, &form.name).await?;
    let body = Membership {
        id: workspace.id,
        name: workspace.name,
        role: Role::Owner,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// One workspace.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}",
    tag = "workspaces",
    responses((status = 200, description = "The workspace", body = Workspace)),
)]
async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Workspace>, ApiError> {
    let view = state.app.workspace(&actor, workspace_id).await?;
    Ok(Json(Workspace {
        id: view.workspace.id,
        name: view.workspace.name,
        role: view.role,
        created_at: view.workspace.created_at,
    }))
}

/// The members of a workspace and their roles.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/members",
    tag = "workspaces",
    responses((status = 200, description = "The members", body = MemberList)),
)]
async fn members(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<MemberList>, ApiError> {
    let members = state.app.members(&actor, workspace_id).await?;
    Ok(Json(MemberList { members }))
}

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    raw.parse::<Role>()
        .map_err(|e| ApiError::App(AppError::Invalid(vec![e])))
}

/// Change a member's role (owners). The last owner keeps theirs.
#[utoipa::path(
    patch,
    path = "/api/v1/workspaces/{workspace_id}/members/{user_id}",
    tag = "workspaces",
    request_body = RoleBody,
    responses((status = 204, description = "Changed")),
)]
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

/// Remove a member (owners); their sessions and tokens no longer reach this
/// workspace.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{workspace_id}/members/{user_id}",
    tag = "workspaces",
    responses((status = 204, description = "Removed")),
)]
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

/// The open invitations of a workspace (owners).
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/invites",
    tag = "workspaces",
    responses((status = 200, description = "The open invitations", body = InviteList)),
)]
async fn invites(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<InviteList>, ApiError> {
    let invites = state.app.open_invites(&actor, workspace_id).await?;
    Ok(Json(InviteList {
        invites: invites.iter().map(Invite::from).collect(),
    }))
}

/// Create a single-use invitation link for a role (owners).
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/invites",
    tag = "workspaces",
    request_body = RoleBody,
    responses((status = 201, description = "The invitation with its link, shown this once", body = CreatedInvite)),
)]
async fn create_invite(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Response, ApiError> {
    let role = parse_role(&body.role)?;
    let (invite, secret) = state.app.create_invite(&actor, workspace_id, role).await?;
    let url = format!("{}/invite/{secret}", crate::public_base(&state, &headers));
    let body = CreatedInvite {
        invite: Invite::from(&invite),
        secret,
        url,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Revoke an invitation (owners).
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{workspace_id}/invites/{invite_id}",
    tag = "workspaces",
    responses((status = 204, description = "Revoked: the link no longer works")),
)]
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

/// Alignment over time: the revealed rounds the caller may see.
///
/// Per round the alignment index (overall, and per participant where the
/// caller may see them: leaders and owners everyone, others themselves), the
/// gaps it opened and how many have settled, and the vision version it
/// asked; per question its score across rounds; per person and question the
/// change between consecutive rounds, toward or away from the leader's
/// reading. Unrevealed rounds never appear.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/trend",
    tag = "workspaces",
    responses((status = 200, description = "The trend, oldest round first", body = Trend)),
)]
async fn trend(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Trend>, ApiError> {
    Ok(Json(state.app.trend(&actor, workspace_id).await?))
}

/// The workspace's cadence: rounds that open by themselves.
///
/// The settings (rule, zone, first date, local time, answering window,
/// listening-session offset, participants), the rule in words and the next
/// five occurrences as they will open, skips and moves applied.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/cadence",
    tag = "workspaces",
    responses((status = 200, description = "The cadence (settings null when there is none)", body = CadenceView)),
)]
async fn cadence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<CadenceView>, ApiError> {
    Ok(Json(state.app.cadence(&actor, workspace_id).await?))
}

/// Set the cadence (owners and leaders).
///
/// `rule` is `quarterly`, `twice_a_year` or an RFC 5545 RRULE; rounds open
/// at `local_time` in `time_zone`, correct across daylight-saving changes.
/// Changing a cadence names the `version` it replaces (409 when stale).
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{workspace_id}/cadence",
    tag = "workspaces",
    request_body = CadenceInput,
    responses(
        (status = 200, description = "Set", body = CadenceView),
        (status = 409, description = "Someone changed the cadence meanwhile"),
    ),
)]
async fn set_cadence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<CadenceInput>,
) -> Result<Json<CadenceView>, ApiError> {
    Ok(Json(
        state.app.set_cadence(&actor, workspace_id, &body).await?,
    ))
}

/// Remove the cadence: no more rounds open by themselves.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{workspace_id}/cadence",
    tag = "workspaces",
    responses((status = 204, description = "Removed (or there was none)")),
)]
async fn remove_cadence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state.app.remove_cadence(&actor, workspace_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Skip, move or restore one coming occurrence; the others stay.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/cadence/occurrences",
    tag = "workspaces",
    request_body = OccurrenceChange,
    responses((status = 200, description = "Changed", body = CadenceView)),
)]
async fn change_occurrence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<OccurrenceChange>,
) -> Result<Json<CadenceView>, ApiError> {
    Ok(Json(
        state
            .app
            .change_occurrence(&actor, workspace_id, body)
            .await?,
    ))
}

/// The audit log (owners).
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/audit",
    tag = "workspaces",
    responses((status = 200, description = "The newest entries", body = AuditLog)),
)]
async fn audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<AuditLog>, ApiError> {
    let entries = state.app.audit_log(&actor, workspace_id).await?;
    Ok(Json(AuditLog {
        entries: entries.iter().map(AuditEntry::from).collect(),
    }))
}

/// What an invitation link admits to (no sign-in needed).
#[utoipa::path(
    get,
    path = "/api/v1/invites/{secret}",
    tag = "workspaces",
    security(()),
    params(("secret" = String, Path, description = "The secret of the invitation link")),
    responses((status = 200, description = "The workspace, role and inviter", body = InvitePreview)),
)]
async fn preview(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Json<InvitePreview>, ApiError> {
    let invite = state.app.open_invite(&secret).await?;
    Ok(Json(InvitePreview {
        workspace: WorkspaceRef {
            id: invite.workspace_id,
            name: invite.workspace_name,
        },
        role: invite.role,
        inviter: invite.inviter_name,
        expires_at: invite.expires_at,
    }))
}

/// Accept an invitation as the signed-in caller.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{secret}/accept",
    tag = "workspaces",
    params(("secret" = String, Path, description = "The secret of the invitation link")),
    responses((status = 200, description = "Joined", body = Joined)),
)]
async fn accept(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(secret): Path<String>,
    _: NoBody,
) -> Result<Json<Joined>, ApiError> {
    let workspace_id = state.app.accept_invite(&actor, &secret).await?;
    Ok(Json(Joined { workspace_id }))
}

/// Switch the analysis of answers on or off (owners).
#[utoipa::path(
    patch,
    path = "/api/v1/workspaces/{workspace_id}/settings",
    tag = "workspaces",
    request_body = Settings,
    responses((status = 204, description = "Saved")),
)]
async fn settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<Settings>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_analysis_enabled(&actor, workspace_id, body.analysis_enabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
