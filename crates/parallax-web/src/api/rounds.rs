//! The vision and rounds over the API. Writes to versioned things (the
//! vision, answers, notes) name the version they read, as `If-Match: "N"` or
//! a `version` field; a stale write gets 409 with what is current.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use parallax_app::AppError;
use parallax_app::analysis::AnalysisView;
use parallax_app::rounds::{NewRound, RoundView, SessionView, VisionEdit};
use parallax_domain::round::Flag;
use parallax_domain::vision::{AnswerValue, Pillar, QuestionKind};
use parallax_store::{AnswerRecord, NoteWrite, VisionRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use super::preconditions::{self, Expected};
use crate::auth::ApiActor;
use crate::error::{ApiError, ApiJson, NoBody, OptionalApiJson};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/api/v1/workspaces/{workspace_id}/vision", get(vision)),
        (
            "/api/v1/workspaces/{workspace_id}/vision/versions",
            get(versions),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/vision/versions/{number}",
            get(version),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/vision/compare",
            get(compare),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/vision/questions",
            post(add_question),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/vision/questions/{key}",
            put(update_question).delete(remove_question),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/vision/questions/{key}/move",
            post(move_question),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/vision/pillars",
            put(set_pillars),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds",
            get(rounds).post(create_round),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}",
            get(round),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/participants",
            put(participants),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/send",
            post(send),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/reveal",
            post(reveal),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/close",
            post(close),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}",
            put(save_answer),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/submit",
            post(submit),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/session",
            get(session),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/notes/{key}/{participant_id}",
            put(save_note),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/clarifications",
            post(ask),
        ),
        (
            "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/clarifications/{clarification_id}/answer",
            post(clarify),
        ),
    ]
}

fn vision_json(v: &VisionRecord) -> Value {
    json!({ "number": v.number, "version": v.version, "frozen": v.frozen, "questions": v.questions, "pillars": v.pillars, "updated_at": v.updated_at })
}

fn with_etag(version: i64, body: Value) -> Response {
    ([(header::ETAG, format!("\"{version}\""))], Json(body)).into_response()
}

async fn vision(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Response, ApiError> {
    let (v, _) = state.app.vision(&actor, workspace_id).await?;
    Ok(with_etag(v.version, vision_json(&v)))
}

async fn versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let list = state.app.vision_versions(&actor, workspace_id).await?;
    Ok(Json(
        json!({ "versions": list.iter().map(|v| json!({"number": v.number, "frozen": v.frozen, "questions": v.questions.len(), "updated_at": v.updated_at})).collect::<Vec<_>>() }),
    ))
}

async fn version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, number)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(vision_json(
        &state
            .app
            .vision_version(&actor, workspace_id, number)
            .await?,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareQuery {
    from: i64,
    to: i64,
}

async fn compare(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Json<Value>, ApiError> {
    let diff = state
        .app
        .vision_diff(&actor, workspace_id, q.from, q.to)
        .await?;
    Ok(Json(json!(diff)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionBody {
    #[serde(default)]
    version: Option<i64>,
    prompt: String,
    #[serde(default)]
    help: String,
    kind: QuestionKind,
    /// Weight in the alignment index, 1–10; omitted: 1 for a new question,
    /// unchanged for an edit.
    #[serde(default)]
    weight: Option<i64>,
}

async fn edit(
    state: &AppState,
    actor: &parallax_app::Actor,
    workspace_id: i64,
    expected: Expected,
    edit: VisionEdit,
) -> Result<Response, ApiError> {
    let version = expected
        .resolve(async {
            let (vision, _) = state.app.vision(actor, workspace_id).await?;
            Ok(Some(vision.version))
        })
        .await?;
    let v = state
        .app
        .edit_vision(actor, workspace_id, version, edit)
        .await?;
    Ok(with_etag(v.version, vision_json(&v)))
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    #[serde(default)]
    version: Option<i64>,
    direction: String,
}

async fn move_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path((workspace_id, key)): Path<(i64, String)>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Response, ApiError> {
    let version = preconditions::required(&headers, body.version)?;
    let up = match body.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::invalid("direction", "must be \"up\" or \"down\"").into()),
    };
    edit(
        &state,
        &actor,
        workspace_id,
        version,
        VisionEdit::MoveQuestion { key, up },
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PillarBody {
    name: String,
    #[serde(default)]
    description: String,
    weight: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PillarsBody {
    #[serde(default)]
    version: Option<i64>,
    pillars: Vec<PillarBody>,
}

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

fn answer_json(a: &AnswerRecord) -> Value {
    json!({ "user_id": a.user_id, "question_key": a.question_key, "answer": a.value, "version": a.version, "updated_at": a.updated_at })
}

fn round_json(view: &RoundView) -> Value {
    json!({
        "id": view.round.id,
        "title": view.round.title,
        "state": view.round.state,
        "due_at": view.round.due_at,
        "vision_version": view.vision.number,
        "questions": view.vision.questions,
        "participants": view.participants.iter().map(|p| json!({
            "user_id": p.user_id, "name": p.name, "submitted": p.submitted_at.is_some(), "excluded": p.excluded
        })).collect::<Vec<_>>(),
        "my_answers": view.my_answers.iter().map(answer_json).collect::<Vec<_>>(),
        "can_manage": view.can_manage,
    })
}

async fn rounds(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let (list, _) = state.app.rounds(&actor, workspace_id).await?;
    Ok(Json(
        json!({ "rounds": list.iter().map(|r| json!({"id": r.id, "title": r.title, "state": r.state, "due_at": r.due_at, "created_at": r.created_at})).collect::<Vec<_>>() }),
    ))
}

async fn create_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(workspace_id): Path<i64>,
    ApiJson(body): ApiJson<NewRound>,
) -> Result<Response, ApiError> {
    let round = state.app.create_round(&actor, workspace_id, &body).await?;
    let view = state.app.round(&actor, workspace_id, round.id).await?;
    Ok((StatusCode::CREATED, Json(round_json(&view))).into_response())
}

async fn round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(round_json(
        &state.app.round(&actor, workspace_id, round_id).await?,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantsBody {
    participants: Vec<i64>,
}

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

async fn send(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    state.app.send_round(&actor, workspace_id, round_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    #[serde(default)]
    confirm: bool,
}

/// The body is optional: `{"confirm": true}` reveals even when not everyone
/// has submitted.
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    answer: AnswerValue,
    #[serde(default)]
    version: Option<i64>,
}

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
    Ok(with_etag(record.version, answer_json(&record)))
}

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

fn session_json(s: &SessionView) -> Value {
    let mut body = round_json(&s.view);
    body["analysis"] = match &s.analysis {
        AnalysisView::Off => json!({ "status": "off" }),
        AnalysisView::Pending => json!({ "status": "pending" }),
        AnalysisView::Failed => json!({ "status": "failed" }),
        AnalysisView::Done(analysis) => json!({ "status": "done", "result": analysis }),
    };
    body["answers"] = json!(s.answers.iter().map(answer_json).collect::<Vec<_>>());
    body["notes"] = json!(s.notes.iter().map(|n| json!({
        "question_key": n.question_key, "participant_id": n.participant_id, "note": n.body, "flag": n.flag, "version": n.version
    })).collect::<Vec<_>>());
    body["clarifications"] = json!(
        s.clarifications
            .iter()
            .map(|c| json!({
                "id": c.id, "question_key": c.question_key, "participant_id": c.participant_id,
                "question": c.question, "answer": c.answer, "asked_at": c.asked_at
            }))
            .collect::<Vec<_>>()
    );
    body
}

async fn session(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(session_json(
        &state.app.session(&actor, workspace_id, round_id).await?,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[serde(default)]
    note: String,
    #[serde(default)]
    flag: Option<Flag>,
    #[serde(default)]
    version: Option<i64>,
}

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
                expected_version: expected,
            },
        )
        .await?;
    Ok(with_etag(
        note.version,
        json!({ "question_key": note.question_key, "participant_id": note.participant_id, "note": note.body, "flag": note.flag, "version": note.version }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AskBody {
    question_key: String,
    participant_id: i64,
    question: String,
}

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
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClarifyBody {
    answer: String,
}

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
