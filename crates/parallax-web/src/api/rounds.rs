//! The vision and rounds over the API. Writes to versioned things (the
//! vision, answers, notes) name the version they read, as `If-Match: "N"` or
//! a `version` field; a stale write gets 409 with what is current.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parallax_app::AppError;
use parallax_app::rounds::{NewRound, VisionEdit};
use parallax_domain::vision::{Pillar, VisionDiff};
use parallax_store::NoteWrite;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::preconditions::{self, Expected, IF_MATCH, VERSION_REQUIRED};
use crate::AppState;
use crate::auth::ApiActor;
use crate::error::{ApiError, ApiJson, NoBody, OptionalApiJson};
use crate::views::rounds::{
    Answer, AnswerBody, AskBody, ClarifyBody, CompareQuery, Created, Direction, MoveBody, Note,
    NoteBody, ParticipantsBody, PillarsBody, QuestionBody, RevealBody, Round, RoundList,
    RoundSummary, Session, Vision, VisionVersions,
};

/// The schemas no operation reaches by type: the reveal's optional body is
/// named by reference, so that the document does not call it required.
#[derive(OpenApi)]
#[openapi(components(schemas(RevealBody)))]
struct Schemas;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Schemas::openapi())
        .routes(routes!(vision))
        .routes(routes!(versions))
        .routes(routes!(version))
        .routes(routes!(compare))
        .routes(routes!(add_question))
        .routes(routes!(update_question, remove_question))
        .routes(routes!(move_question))
        .routes(routes!(set_pillars))
        .routes(routes!(rounds, create_round))
        .routes(routes!(round))
        .routes(routes!(participants))
        .routes(routes!(send))
        .routes(routes!(reveal))
        .routes(routes!(close))
        .routes(routes!(save_answer, clear_answer))
        .routes(routes!(submit))
        .routes(routes!(session))
        .routes(routes!(save_note))
        .routes(routes!(ask))
        .routes(routes!(clarify))
}

/// `body` with its version as the `ETag`.
fn with_etag(version: i64, body: impl Serialize) -> Response {
    ([(header::ETAG, format!("\"{version}\""))], Json(body)).into_response()
}

/// The newest version of the vision.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/vision",
    tag = "vision",
    responses((status = 200, description = "The newest version", body = Vision, headers(("ETag" = String)))),
)]
async fn vision(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Response, ApiError> {
    let seen = state.app.vision(&actor, workspace_id).await?;
    Ok(with_etag(seen.vision.version, Vision::from(seen)))
}

/// Every version of the vision, with how many questions each has.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/vision/versions",
    tag = "vision",
    responses((status = 200, description = "The versions, newest first", body = VisionVersions)),
)]
async fn versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<VisionVersions>, ApiError> {
    let list = state.app.vision_versions(&actor, workspace_id).await?;
    Ok(Json(VisionVersions {
        versions: list.into_iter().map(Into::into).collect(),
    }))
}

/// One version of the vision, by its number.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/vision/versions/{number}",
    tag = "vision",
    params(("number" = i64, Path, description = "The version's number: 1, 2, 3…")),
    responses((status = 200, description = "The version", body = Vision)),
)]
async fn version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, number)): Path<(i64, i64)>,
) -> Result<Json<Vision>, ApiError> {
    let v = state
        .app
        .vision_version(&actor, workspace_id, number)
        .await?;
    Ok(Json(v.into()))
}

/// What changed between two versions of the vision.
///
/// Questions and pillars added, removed and changed (matched by key and by
/// name), and whether the shared questions were reordered.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/vision/compare",
    tag = "vision",
    params(CompareQuery),
    responses((status = 200, description = "The differences from `from` to `to`", body = VisionDiff)),
)]
async fn compare(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Json<VisionDiff>, ApiError> {
    let (diff, _) = state
        .app
        .vision_diff(&actor, workspace_id, q.from, q.to)
        .await?;
    Ok(Json(diff))
}

/// Applies `edit` to the version of the vision the write names, and answers
/// the vision it saved.
async fn edit(
    state: &AppState,
    actor: &parallax_app::Actor,
    workspace_id: i64,
    expected: Expected,
    edit: VisionEdit,
) -> Result<Response, ApiError> {
    let version = expected
        .resolve(async {
            let seen = state.app.vision(actor, workspace_id).await?;
            Ok(Some(seen.vision.version))
        })
        .await?;
    let v = state
        .app
        .edit_vision(actor, workspace_id, version, edit)
        .await?;
    Ok(with_etag(v.version, Vision::from(v)))
}

/// Add a question at the end of the vision (at most 40).
///
/// As with every edit of the vision, a version that a round asks is never
/// changed: the edit starts the next version.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/vision/questions",
    tag = "vision",
    params(("If-Match" = Option<String>, Header, description = IF_MATCH)),
    request_body = QuestionBody,
    responses(
        (status = 201, description = "Added; the vision as saved", body = Vision, headers(("ETag" = String))),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn add_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<QuestionBody>,
) -> Result<Response, ApiError> {
    let version = preconditions::required(&headers, body.version)?;
    let response = edit(
        &state,
        &actor,
        workspace_id,
        version,
        VisionEdit::AddQuestion {
            prompt: body.prompt,
            help: body.help,
            kind: body.kind,
            weight: body.weight,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, response).into_response())
}

/// Change a question of the vision: its wording, help, kind and weight.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{workspace_id}/vision/questions/{key}",
    tag = "vision",
    params(
        ("key" = String, Path, description = "The question's key"),
        ("If-Match" = Option<String>, Header, description = IF_MATCH),
    ),
    request_body = QuestionBody,
    responses(
        (status = 200, description = "Changed; the vision as saved", body = Vision, headers(("ETag" = String))),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn update_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, key)): Path<(i64, String)>,
    ApiJson(body): ApiJson<QuestionBody>,
) -> Result<Response, ApiError> {
    let version = preconditions::required(&headers, body.version)?;
    edit(
        &state,
        &actor,
        workspace_id,
        version,
        VisionEdit::UpdateQuestion {
            key,
            prompt: body.prompt,
            help: body.help,
            kind: body.kind,
            weight: body.weight,
        },
    )
    .await
}

/// Remove a question from the vision; the last one stays (409).
///
/// The version is named by `If-Match` only.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{workspace_id}/vision/questions/{key}",
    tag = "vision",
    params(
        ("key" = String, Path, description = "The question's key"),
        ("If-Match" = Option<String>, Header, description = IF_MATCH),
    ),
    responses(
        (status = 200, description = "Removed; the vision as saved", body = Vision, headers(("ETag" = String))),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn remove_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, key)): Path<(i64, String)>,
    _: NoBody,
) -> Result<Response, ApiError> {
    let version = preconditions::required(&headers, None)?;
    edit(
        &state,
        &actor,
        workspace_id,
        version,
        VisionEdit::RemoveQuestion { key },
    )
    .await
}

/// Move a question one place up or down in the vision's order.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/vision/questions/{key}/move",
    tag = "vision",
    params(
        ("key" = String, Path, description = "The question's key"),
        ("If-Match" = Option<String>, Header, description = IF_MATCH),
    ),
    request_body = MoveBody,
    responses(
        (status = 200, description = "Moved; the vision as saved", body = Vision, headers(("ETag" = String))),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn move_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, key)): Path<(i64, String)>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Response, ApiError> {
    let version = preconditions::required(&headers, body.version)?;
    edit(
        &state,
        &actor,
        workspace_id,
        version,
        VisionEdit::MoveQuestion {
            key,
            up: body.direction == Direction::Up,
        },
    )
    .await
}

/// Replace the pillars of the vision (at most 12).
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{workspace_id}/vision/pillars",
    tag = "vision",
    params(("If-Match" = Option<String>, Header, description = IF_MATCH)),
    request_body = PillarsBody,
    responses(
        (status = 200, description = "Replaced; the vision as saved", body = Vision, headers(("ETag" = String))),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn set_pillars(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<PillarsBody>,
) -> Result<Response, ApiError> {
    let version = preconditions::required(&headers, body.version)?;
    let pillars = body
        .pillars
        .iter()
        .map(|p| Pillar::new(&p.name, &p.description, p.weight))
        .collect::<Result<Vec<_>, _>>()
        .map_err(AppError::from)?;
    edit(
        &state,
        &actor,
        workspace_id,
        version,
        VisionEdit::SetPillars(pillars),
    )
    .await
}

/// The rounds of the workspace the caller may see.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/rounds",
    tag = "rounds",
    responses((status = 200, description = "The rounds, newest first", body = RoundList)),
)]
async fn rounds(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<RoundList>, ApiError> {
    let (list, _) = state.app.rounds(&actor, workspace_id).await?;
    Ok(Json(RoundList {
        rounds: list.into_iter().map(RoundSummary::from).collect(),
    }))
}

/// Open a draft round on the newest version of the vision, which freezes it.
///
/// The caller always takes part, besides the participants named.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds",
    tag = "rounds",
    request_body = NewRound,
    responses((status = 201, description = "The new draft round", body = Round)),
)]
async fn create_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<NewRound>,
) -> Result<Response, ApiError> {
    let round = state.app.create_round(&actor, workspace_id, &body).await?;
    let view = state.app.round(&actor, workspace_id, round.id).await?;
    Ok((StatusCode::CREATED, Json(Round::from(view))).into_response())
}

/// A round: its state, questions, participants and who has submitted.
///
/// With the caller's own answers; the others' are read in the listening
/// session, after the reveal.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}",
    tag = "rounds",
    responses((status = 200, description = "The round", body = Round)),
)]
async fn round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Json<Round>, ApiError> {
    let view = state.app.round(&actor, workspace_id, round_id).await?;
    Ok(Json(view.into()))
}

/// Replace the participants of a draft round.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/participants",
    tag = "rounds",
    request_body = ParticipantsBody,
    responses((status = 204, description = "Replaced")),
)]
async fn participants(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<ParticipantsBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_participants(&actor, workspace_id, round_id, &body.participants)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a draft round: its participants can answer.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/send",
    tag = "rounds",
    responses((status = 204, description = "Sent")),
)]
async fn send(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state.app.send_round(&actor, workspace_id, round_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reveal a round: answers lock and the listening session opens.
///
/// Only a round being answered is revealed. Everyone must have submitted
/// (409 names who has not), unless the body is `{"confirm": true}`: then
/// whoever has not is left out, with their answers.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/reveal",
    tag = "rounds",
    request_body(
        content = ref("#/components/schemas/RevealBody"),
        description = "Optional: without a body, everyone must have submitted",
    ),
    responses((status = 204, description = "Revealed; the analysis is queued if it is on")),
)]
async fn reveal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    OptionalApiJson(body): OptionalApiJson<RevealBody>,
) -> Result<StatusCode, ApiError> {
    let confirm = body.is_some_and(|b| b.confirm);
    state
        .app
        .reveal_round(&actor, workspace_id, round_id, confirm)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Close a revealed round: notes are no longer taken.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/close",
    tag = "rounds",
    responses((status = 204, description = "Closed")),
)]
async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .close_round(&actor, workspace_id, round_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Save the caller's answer to one question.
///
/// Only while the round is being answered, also after submitting. A first
/// answer names no version; a later one names the version it replaces.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}",
    tag = "rounds",
    params(
        ("key" = String, Path, description = "The question's key"),
        ("If-Match" = Option<String>, Header, description = IF_MATCH),
    ),
    request_body = AnswerBody,
    responses((status = 200, description = "Saved", body = Answer, headers(("ETag" = String)))),
)]
async fn save_answer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, round_id, key)): Path<(i64, i64, String)>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Response, ApiError> {
    let expected = preconditions::optional(&headers, body.version, async {
        let view = state.app.round(&actor, workspace_id, round_id).await?;
        let mine = view.my_answers.iter().find(|a| a.question_key == key);
        Ok(mine.map(|a| a.version))
    })
    .await?
    .filter(|v| *v > 0);
    let record = state
        .app
        .save_answer(&actor, workspace_id, round_id, &key, &body.answer, expected)
        .await?;
    Ok(with_etag(record.version, Answer::from(record)))
}

/// Clear the caller's answer to one question.
///
/// Only before submitting, and only the version named: `If-Match: "N"`.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}",
    tag = "rounds",
    params(
        ("key" = String, Path, description = "The question's key"),
        ("If-Match" = Option<String>, Header, description = IF_MATCH),
    ),
    responses(
        (status = 204, description = "Cleared"),
        (status = 428, description = VERSION_REQUIRED),
    ),
)]
async fn clear_answer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, round_id, key)): Path<(i64, i64, String)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    let version = preconditions::required(&headers, None)?
        .resolve(async {
            let view = state.app.round(&actor, workspace_id, round_id).await?;
            let mine = view.my_answers.iter().find(|a| a.question_key == key);
            Ok(mine.map(|a| a.version))
        })
        .await?;
    state
        .app
        .clear_answer(&actor, workspace_id, round_id, &key, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Submit the caller's answers.
///
/// Every question must be answered first; the 422 names those that are not.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/submit",
    tag = "rounds",
    responses((status = 204, description = "Submitted")),
)]
async fn submit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .submit_answers(&actor, workspace_id, round_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The listening session of a revealed round.
///
/// The answers side by side, notes, flags, clarifications and the analysis.
/// Before the reveal it answers 409.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/session",
    tag = "rounds",
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 409, description = "The round is not revealed yet: the session opens at the reveal"),
    ),
)]
async fn session(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Json<Session>, ApiError> {
    let session = state.app.session(&actor, workspace_id, round_id).await?;
    Ok(Json(session.into()))
}

/// Note and flag one question for one participant.
///
/// Only while the round is revealed. A first note names no version; a later
/// one names the version it replaces.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/notes/{key}/{participant_id}",
    tag = "rounds",
    params(
        ("key" = String, Path, description = "The question's key"),
        ("If-Match" = Option<String>, Header, description = IF_MATCH),
    ),
    request_body = NoteBody,
    responses((status = 200, description = "Saved", body = Note, headers(("ETag" = String)))),
)]
async fn save_note(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, round_id, key, participant_id)): Path<(i64, i64, String, i64)>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<Response, ApiError> {
    let expected = preconditions::optional(&headers, body.version, async {
        let session = state.app.session(&actor, workspace_id, round_id).await?;
        let note = session
            .notes
            .iter()
            .find(|n| n.question_key == key && n.participant_id == participant_id);
        Ok(note.map(|n| n.version))
    })
    .await?
    .filter(|v| *v > 0);
    let note = state
        .app
        .save_note(
            &actor,
            workspace_id,
            round_id,
            &NoteWrite {
                question_key: &key,
                participant_id,
                body: &body.note,
                flag: body.flag,
                shared: body.shared,
                expected_version: expected,
            },
        )
        .await?;
    Ok(with_etag(note.version, Note::from(note)))
}

/// Ask a participant a clarifying question about their answer.
///
/// Only while the round is revealed.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/clarifications",
    tag = "rounds",
    request_body = AskBody,
    responses((status = 201, description = "Asked", body = Created)),
)]
async fn ask(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<Response, ApiError> {
    let id = state
        .app
        .ask_clarification(
            &actor,
            workspace_id,
            round_id,
            &body.question_key,
            body.participant_id,
            &body.question,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Answer a clarifying question put to the caller.
///
/// Until the round is closed.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/clarifications/{clarification_id}/answer",
    tag = "rounds",
    request_body = ClarifyBody,
    responses((status = 204, description = "Answered")),
)]
async fn clarify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id, clarification_id)): Path<(i64, i64, i64)>,
    ApiJson(body): ApiJson<ClarifyBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .answer_clarification(
            &actor,
            workspace_id,
            round_id,
            clarification_id,
            &body.answer,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
