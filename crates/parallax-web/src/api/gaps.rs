//! The gap register over the API: gaps, proposals, patterns, decisions,
//! actions and comments, and the caller's open actions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use parallax_app::gaps::{GapEdit, NewAction, NewGapInput};
use parallax_store::ActionRecord;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::preconditions::{self, IF_MATCH, VERSION_REQUIRED};
use crate::AppState;
use crate::auth::ApiActor;
use crate::error::{ApiError, ApiJson};
use crate::views::gaps::{
    ActionStatusChange, Gap, GapDetail, GapList, MyActions, NewComment, OwnedAction, PatternList,
    ProposalAcceptance, ProposalList, ProposalRef,
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_gaps, add_gap))
        .routes(routes!(gap_proposals))
        .routes(routes!(accept_proposal))
        .routes(routes!(dismiss_proposal))
        .routes(routes!(gap_patterns))
        .routes(routes!(show_gap, edit_gap))
        .routes(routes!(add_action))
        .routes(routes!(set_action_status))
        .routes(routes!(comment_action))
        .routes(routes!(my_actions))
}

/// The gap register: every gap from a revealed round the caller may see.
///
/// Newest first, each with its number of open actions and, for open and
/// decided gaps, what the newest later round says of its question
/// (`loop_check`).
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/gaps",
    tag = "gaps",
    responses((status = 200, description = "The gaps", body = GapList)),
)]
async fn list_gaps(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<GapList>, ApiError> {
    let (gaps, _) = state.app.gaps(&actor, workspace_id).await?;
    Ok(Json(GapList { gaps }))
}

/// Add a gap by hand from a revealed round (not advisors).
///
/// The round must be one the caller may see.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/gaps",
    tag = "gaps",
    request_body = NewGapInput,
    responses((status = 201, description = "The gap added", body = Gap)),
)]
async fn add_gap(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<NewGapInput>,
) -> Result<(StatusCode, Json<Gap>), ApiError> {
    let gap = state.app.add_gap(&actor, workspace_id, &body).await?;
    Ok((StatusCode::CREATED, Json(Gap::from(&gap))))
}

/// Gaps the analysis and the listening session propose (owners and leaders).
///
/// Never a duplicate of an active gap, nor a proposal accepted or dismissed
/// before.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/gaps/proposals",
    tag = "gaps",
    responses((status = 200, description = "The open proposals", body = ProposalList)),
)]
async fn gap_proposals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<ProposalList>, ApiError> {
    let proposals = state.app.gap_proposals(&actor, workspace_id).await?;
    Ok(Json(ProposalList { proposals }))
}

/// Accept a proposal as a gap (owners and leaders).
///
/// `title`, `description` and `severity` replace the proposed ones where
/// given. A proposal no longer open answers 409.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/gaps/proposals/accept",
    tag = "gaps",
    request_body = ProposalAcceptance,
    responses((status = 201, description = "The gap accepted", body = Gap)),
)]
async fn accept_proposal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<ProposalAcceptance>,
) -> Result<(StatusCode, Json<Gap>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(Gap::from(&gap))))
}

/// Dismiss a proposal for good (owners and leaders).
///
/// It is not proposed again.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/gaps/proposals/dismiss",
    tag = "gaps",
    request_body = ProposalRef,
    responses((status = 204, description = "Dismissed")),
)]
async fn dismiss_proposal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<ProposalRef>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .dismiss_proposal(&actor, workspace_id, body.round_id, &body.key)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gaps that recur across questions, people and rounds.
///
/// How often, since when, growing or shrinking: grouped by analysis theme, by
/// question and by title, the largest first.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/gaps/patterns",
    tag = "gaps",
    responses((status = 200, description = "The patterns", body = PatternList)),
)]
async fn gap_patterns(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<PatternList>, ApiError> {
    let patterns = state.app.gap_patterns(&actor, workspace_id).await?;
    Ok(Json(PatternList { patterns }))
}

/// One gap with its actions, their comments and its history.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}",
    tag = "gaps",
    responses((status = 200, description = "The gap", body = GapDetail)),
)]
async fn show_gap(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
) -> Result<Json<GapDetail>, ApiError> {
    let detail = state.app.gap(&actor, workspace_id, gap_id).await?;
    Ok(Json(GapDetail::from(&detail)))
}

/// Edit a gap, record its decision or change its status (owners and leaders).
///
/// Name the version edited (the gap's `version`); absent fields stay. A
/// decided gap needs its decision written down; closing a gap whose actions
/// are still open needs `confirm`, else it answers 409 naming them.
#[utoipa::path(
    patch,
    path = "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}",
    tag = "gaps",
    params(("If-Match" = Option<String>, Header, description = IF_MATCH)),
    request_body = GapEdit,
    responses(
        (status = 200, description = "The gap as saved", body = Gap),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn edit_gap(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    ApiJson(mut body): ApiJson<GapEdit>,
) -> Result<Json<Gap>, ApiError> {
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
    Ok(Json(Gap::from(&gap)))
}

/// Add an action to a gap (owners and leaders).
///
/// Its kind, title, owner and an optional due date; the owner must be a
/// member who may see the round the gap came from.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions",
    tag = "gaps",
    request_body = NewAction,
    responses((status = 201, description = "The action added", body = ActionRecord)),
)]
async fn add_action(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<NewAction>,
) -> Result<(StatusCode, Json<ActionRecord>), ApiError> {
    let action = state
        .app
        .add_action(&actor, workspace_id, gap_id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(action)))
}

/// Set an action's status (owners, leaders and the action's owner).
///
/// `from` is the status the caller saw: if it moved on meanwhile, the
/// change is refused with 409.
#[utoipa::path(
    patch,
    path = "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}",
    tag = "gaps",
    request_body = ActionStatusChange,
    responses((status = 200, description = "The action as saved", body = ActionRecord)),
)]
async fn set_action_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id, action_id)): Path<(i64, i64, i64)>,
    ApiJson(body): ApiJson<ActionStatusChange>,
) -> Result<Json<ActionRecord>, ApiError> {
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
    Ok(Json(action))
}

/// Comment on an action (not advisors).
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}/comments",
    tag = "gaps",
    request_body = NewComment,
    responses((status = 201, description = "Commented; the gap's detail lists the comment under its action")),
)]
async fn comment_action(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, gap_id, action_id)): Path<(i64, i64, i64)>,
    ApiJson(body): ApiJson<NewComment>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .comment_action(&actor, workspace_id, gap_id, action_id, &body.body)
        .await?;
    Ok(StatusCode::CREATED)
}

/// The caller's open actions across workspaces, the overdue marked.
///
/// Soonest due first; only actions whose gap the caller may still see.
#[utoipa::path(
    get,
    path = "/api/v1/actions",
    tag = "gaps",
    responses((status = 200, description = "The open actions", body = MyActions)),
)]
async fn my_actions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<MyActions>, ApiError> {
    let now = parallax_store::now_ms();
    let actions = state.app.my_actions(&actor).await?;
    Ok(Json(MyActions {
        actions: actions.iter().map(|o| OwnedAction::new(o, now)).collect(),
    }))
}
