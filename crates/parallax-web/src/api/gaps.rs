//! The gap register over the API: gaps, proposals, patterns, decisions,
//! actions and comments, and the caller's open actions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, post};
use parallax_app::gaps::{GapDetail, GapEdit, NewAction, NewGapInput};
use parallax_domain::gap::ActionStatus;
use parallax_store::{ActionRecord, GapRecord, OwnedActionRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use super::preconditions;
use crate::auth::ApiActor;
use crate::error::{ApiError, ApiJson};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        (
            "/api/v1/workspaces/{workspace_id}/gaps",
            get(list).post(create),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/proposals",
            get(proposals),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/proposals/accept",
            post(accept),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/proposals/dismiss",
            post(dismiss),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/patterns",
            get(patterns),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}",
            get(show).patch(edit),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions",
            post(add_action),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}",
            patch(set_action),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}/comments",
            post(comment),
        ),
        ("/api/v1/actions", get(my_actions)),
    ]
}

fn action_json(a: &ActionRecord) -> Value {
    json!({ "id": a.id, "gap_id": a.gap_id, "kind": a.kind, "title": a.title, "owner_id": a.owner_id, "owner_name": a.owner_name, "due_at": a.due_at, "status": a.status, "created_at": a.created_at })
}

fn gap_json(g: &GapRecord) -> Value {
    json!({ "id": g.id, "round_id": g.round_id, "question_key": g.question_key, "participant_id": g.participant_id, "title": g.title, "description": g.description, "severity": g.severity, "status": g.status, "decision": g.decision, "theme": g.theme, "version": g.version, "created_at": g.created_at, "updated_at": g.updated_at })
}

fn detail_json(d: &GapDetail) -> Value {
    let mut body = json!(d.view);
    body["actions"] = d
        .actions
        .iter()
        .map(|a| {
            let mut v = action_json(a);
            v["comments"] = d
                .comments
                .iter()
                .filter(|c| c.action_id == a.id)
                .map(|c| json!({ "author": c.author_name, "body": c.body, "at": c.created_at }))
                .collect();
            v
        })
        .collect();
    body["history"] = d
        .history
        .iter()
        .map(|e| json!({ "actor": e.actor_name, "what": e.what, "at": e.at }))
        .collect();
    body
}

async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let (gaps, _) = state.app.gaps(&actor, workspace_id).await?;
    Ok(Json(json!({ "gaps": gaps })))
}

async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<NewGapInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let gap = state.app.add_gap(&actor, workspace_id, &body).await?;
    Ok((StatusCode::CREATED, Json(gap_json(&gap))))
}

async fn proposals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let proposals = state.app.gap_proposals(&actor, workspace_id).await?;
    Ok(Json(json!({ "proposals": proposals })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalBody {
    round_id: i64,
    key: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    severity: Option<parallax_domain::gap::Severity>,
}

async fn accept(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<ProposalBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let edits = GapEdit {
        title: body.title,
        description: body.description,
        severity: body.severity,
        ..GapEdit::default()
    };
    let gap = state
        .app
        .accept_proposal(&actor, workspace_id, body.round_id, &body.key, &edits)
        .await?;
    Ok((StatusCode::CREATED, Json(gap_json(&gap))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DismissBody {
    round_id: i64,
    key: String,
}

async fn dismiss(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<DismissBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .dismiss_proposal(&actor, workspace_id, body.round_id, &body.key)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn patterns(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let patterns = state.app.gap_patterns(&actor, workspace_id).await?;
    Ok(Json(json!({ "patterns": patterns })))
}

async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    let detail = state.app.gap(&actor, workspace_id, gap_id).await?;
    Ok(Json(detail_json(&detail)))
}

async fn edit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    ApiJson(mut body): ApiJson<GapEdit>,
) -> Result<Json<Value>, ApiError> {
    // Without any version the use case answers 428, after it checked that
    // the caller may edit the gap at all.
    body.version = preconditions::optional(&headers, body.version, async {
        let detail = state.app.gap(&actor, workspace_id, gap_id).await?;
        Ok(Some(detail.gap.version))
    })
    .await?;
    let gap = state
        .app
        .edit_gap(&actor, workspace_id, gap_id, &body)
        .await?;
    Ok(Json(gap_json(&gap)))
}

async fn add_action(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<NewAction>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let action = state
        .app
        .add_action(&actor, workspace_id, gap_id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(action_json(&action))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    /// The status the caller saw; the change is refused if it moved on.
    from: ActionStatus,
    status: ActionStatus,
}

async fn set_action(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id, action_id)): Path<(i64, i64, i64)>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Json<Value>, ApiError> {
    let action = state
        .app
        .set_action_status(
            &actor,
            workspace_id,
            gap_id,
            action_id,
            (body.from, body.status),
        )
        .await?;
    Ok(Json(action_json(&action)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    body: String,
}

async fn comment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id, action_id)): Path<(i64, i64, i64)>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .comment_action(&actor, workspace_id, gap_id, action_id, &body.body)
        .await?;
    Ok(StatusCode::CREATED)
}

fn owned_json(o: &OwnedActionRecord, now: i64) -> Value {
    let mut v = action_json(&o.action);
    v["workspace_id"] = json!(o.workspace_id);
    v["workspace_name"] = json!(o.workspace_name);
    v["gap_title"] = json!(o.gap_title);
    v["overdue"] = json!(o.action.due_at.is_some_and(|d| d < now));
    v
}

async fn my_actions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let now = parallax_store::now_ms();
    let actions = state.app.my_actions(&actor).await?;
    Ok(Json(
        json!({ "actions": actions.iter().map(|o| owned_json(o, now)).collect::<Vec<_>>() }),
    ))
}
