//! Rounds: the list, opening one, answering blind, the reveal, the listening
//! session and its summary.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, PreEscaped, html};
use parallax_app::analysis::{AnalysisView, Cell, RoundAnalysis};
use parallax_app::rounds::{NewRound, RoundView, SessionView};
use parallax_app::{AppError, Stale};
use parallax_domain::round::{Flag, RoundState, is_overdue};
use parallax_domain::vision::{
    AnswerValue, DEFAULT_QUESTION_WEIGHT, Question, QuestionKind, format_number,
};
use parallax_domain::workspace::Role;
use parallax_engine::{Conflict, KindComparison, KindDetails, Method};
use parallax_store::{AnswerRecord, NoteWrite, ParticipantRecord, now_ms};
use serde::Deserialize;

use super::layout::{FormErrors, count, form_alert, page, when, workspace_nav};
use crate::auth::{SignedIn, redirect_with_flash};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/w/{workspace_id}/rounds", get(list).post(create)),
        ("/w/{workspace_id}/rounds/{round_id}", get(show)),
        (
            "/w/{workspace_id}/rounds/{round_id}/participants",
            post(participants),
        ),
        ("/w/{workspace_id}/rounds/{round_id}/send", post(send)),
        (
            "/w/{workspace_id}/rounds/{round_id}/reveal",
            get(reveal_confirm).post(reveal),
        ),
        ("/w/{workspace_id}/rounds/{round_id}/close", post(close)),
        (
            "/w/{workspace_id}/rounds/{round_id}/answer",
            get(answer_form).post(answer),
        ),
        ("/w/{workspace_id}/rounds/{round_id}/session", get(session)),
        ("/w/{workspace_id}/rounds/{round_id}/summary", get(summary)),
        (
            "/w/{workspace_id}/rounds/{round_id}/notes/{key}/{participant_id}",
            post(note),
        ),
        (
            "/w/{workspace_id}/rounds/{round_id}/clarifications",
            post(ask),
        ),
        (
            "/w/{workspace_id}/rounds/{round_id}/clarifications/{clarification_id}/answer",
            post(clarify),
        ),
    ]
}

fn state_badge(state: RoundState) -> Markup {
    let class = match state {
        RoundState::Draft => "badge",
        RoundState::Answering => "badge warn",
        RoundState::Revealed => "badge ok",
        RoundState::Closed => "badge",
    };
    html! { span class=(class) { (state.label()) } }
}

fn round_url(workspace_id: i64, round_id: i64) -> String {
    format!("/w/{workspace_id}/rounds/{round_id}")
}

/// Participant id lists come from repeated `participant` fields.
pub(super) fn form_ids(fields: &[(String, String)], name: &str) -> Result<Vec<i64>, AppError> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| {
            v.parse::<i64>()
                .map_err(|_| AppError::invalid("participants", "unknown participant"))
        })
        .collect()
}

pub(super) fn form_value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn parse_date(raw: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(raw, &format)
        .map_err(|_| AppError::invalid("due", "use a date like 2027-03-31"))?;
    let ms = date
        .with_hms(23, 59, 0)
        .expect("valid time")
        .assume_utc()
        .unix_timestamp()
        * 1000;
    Ok(parallax_domain::round::due_at("due", Some(ms))?)
}

async fn list_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    errors: &FormErrors,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let (rounds, role) = state.app.rounds(&signed.actor, workspace_id).await?;
    let can_manage = matches!(role, Role::Owner | Role::Leader);
    let members = state.app.members(&signed.actor, workspace_id).await?;
    let cadence = state.app.cadence(&signed.actor, workspace_id).await?;
    let now = now_ms();
    Ok(page(
        "Rounds",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "rounds"))
            p #cadence-line {
                @match (&cadence.in_words, cadence.next.first()) {
                    (Some(words), Some(next)) => { "Cadence: " (words) " · next round " (next.local) " · " a href={ "/w/" (workspace_id) "/cadence" } { "Cadence" } }
                    _ => {
                        "No cadence: rounds open when someone creates them. "
                        a href={ "/w/" (workspace_id) "/cadence" } { @if can_manage { "Set a cadence" } @else { "Cadence" } }
                    }
                }
            }
            @if rounds.is_empty() {
                div.empty {
                    p { "No alignment rounds yet." }
                    @if can_manage { p { "Open one below: everyone answers the vision's questions blind, then you listen to each other." } }
                    @else { p { "You will see a round here when a leader invites you to one." } }
                }
            } @else {
                table.responsive #rounds {
                    thead { tr { th { "Round" } th { "State" } th { "Opened" } th { "Due" } } }
                    tbody {
                        @for r in &rounds {
                            tr {
                                td { a href=(round_url(workspace_id, r.id)) { (r.title) } }
                                td { (state_badge(r.state)) }
                                td { (when(r.created_at)) }
                                td {
                                    @if let Some(d) = r.due_at { (when(d)) } @else { "—" }
                                    @if is_overdue(r.state, r.due_at, now) { " " span.badge.bad { "overdue" } }
                                }
                            }
                        }
                    }
                }
            }
            @if can_manage {
                div.card #new-round {
                    h2 { "Open a round" }
                    p.muted { "The round asks the current version of the vision; that version is then frozen. You take part too." }
                    (form_alert(errors, &[]))
                    form.stack method="post" action={ "/w/" (workspace_id) "/rounds" } {
                        label { "Title" input type="text" name="title" placeholder="e.g. Q1 alignment" required; }
                        label { "Due date" span.hint { "Optional." } input type="date" name="due"; }
                        fieldset {
                            legend { "Participants" }
                            @for m in members.iter().filter(|m| m.user_id != signed.actor.id() && m.role != Role::Advisor) {
                                label.inline { input type="checkbox" name="participant" value=(m.user_id) checked[m.role == Role::TechLead]; (m.name) " · " span.muted { (m.role.label()) } }
                            }
                        }
                        div { button type="submit" { "Create round" } }
                    }
                }
            }
        },
    ))
}

async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    list_page(&state, &signed, workspace_id, &FormErrors::default()).await
}

async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let new = (|| {
        Ok::<_, AppError>(NewRound {
            title: form_value(&fields, "title").unwrap_or("").to_owned(),
            participants: form_ids(&fields, "participant")?,
            due_at: parse_date(form_value(&fields, "due").unwrap_or(""))?,
        })
    })();
    let result = match new {
        Ok(new) => {
            state
                .app
                .create_round(&signed.actor, workspace_id, &new)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(round) => Ok(redirect_with_flash(
            &round_url(workspace_id, round.id),
            "Round created. Check the participants, then send it.",
        )),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            list_page(&state, &signed, workspace_id, &FormErrors(errors)).await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

fn participant_list(view: &RoundView) -> Markup {
    html! {
        ul #participants {
            @for p in &view.participants {
                li {
                    (p.name) " "
                    @if p.excluded { span.badge.bad { "left out" } }
                    @else if p.submitted_at.is_some() { span.badge.ok { "submitted" } }
                    @else if view.round.state == RoundState::Answering { span.badge.warn { "not yet" } }
                }
            }
        }
    }
}

async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let view = state
        .app
        .round(&signed.actor, workspace_id, round_id)
        .await?;
    let base = round_url(workspace_id, round_id);
    let members = if view.can_manage && view.round.state == RoundState::Draft {
        state.app.members(&signed.actor, workspace_id).await?
    } else {
        Vec::new()
    };
    let me = view
        .participants
        .iter()
        .find(|p| p.user_id == signed.actor.id());
    Ok(page(
        &view.round.title,
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "rounds"))
            div.actions { h2 { (view.round.title) } (state_badge(view.round.state)) }
            p.muted { "Asks vision version " (view.vision.number) " · " (count(view.vision.questions.len(), "question", "questions"))
                @if let Some(d) = view.round.due_at { " · due " (when(d)) }
                @if is_overdue(view.round.state, view.round.due_at, now_ms()) { " " span.badge.bad { "overdue" } } }
            div.card {
                h2 { "Participants" }
                p.muted { "Before the reveal, nobody sees anyone else's answers — only who has submitted." }
                (participant_list(&view))
                @if view.can_manage && view.round.state == RoundState::Draft {
                    form.stack method="post" action={ (base) "/participants" } {
                        fieldset {
                            legend { "Change participants" }
                            @for m in members.iter().filter(|m| Some(m.user_id) != view.round.created_by && m.role != Role::Advisor) {
                                label.inline { input type="checkbox" name="participant" value=(m.user_id) checked[view.participants.iter().any(|p| p.user_id == m.user_id)]; (m.name) }
                            }
                        }
                        div { button.secondary type="submit" { "Save participants" } }
                    }
                }
            }
            div.actions {
                @match view.round.state {
                    RoundState::Draft => {
                        @if view.can_manage {
                            form.inline method="post" action={ (base) "/send" } { button type="submit" { "Send to participants" } }
                        }
                    }
                    RoundState::Answering => {
                        @if let Some(me) = me {
                            a.button href={ (base) "/answer" } { @if me.submitted_at.is_some() { "Edit my answers" } @else { "Answer now" } }
                        }
                        @if view.can_manage { a.button.secondary href={ (base) "/reveal" } { "Reveal…" } }
                    }
                    RoundState::Revealed | RoundState::Closed => {
                        a.button href={ (base) "/session" } { "Listening session" }
                        a.button.secondary href={ (base) "/summary" } { "Summary" }
                        @if view.can_manage && view.round.state == RoundState::Revealed {
                            form.inline method="post" action={ (base) "/close" } data-confirm="Close this round? Notes and flags become read-only." {
                                button.secondary type="submit" { "Close round" }
                            }
                        }
                    }
                }
            }
        },
    ))
}

async fn participants(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ids = form_ids(&fields, "participant")?;
    state
        .app
        .set_participants(&signed.actor, workspace_id, round_id, &ids)
        .await?;
    Ok(redirect_with_flash(
        &round_url(workspace_id, round_id),
        "Participants saved.",
    ))
}

async fn send(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state
        .app
        .send_round(&signed.actor, workspace_id, round_id)
        .await?;
    Ok(redirect_with_flash(
        &round_url(workspace_id, round_id),
        "Round sent. Participants can answer now.",
    ))
}

async fn reveal_confirm(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let view = state
        .app
        .round(&signed.actor, workspace_id, round_id)
        .await?;
    if !view.can_manage {
        return Err(AppError::Forbidden.into());
    }
    let pending: Vec<&ParticipantRecord> = view
        .participants
        .iter()
        .filter(|p| p.submitted_at.is_none())
        .collect();
    Ok(page(
        "Reveal the round",
        Some(&signed.actor),
        None,
        html! {
            (workspace_nav(&ws, "rounds"))
            div.card.narrow {
                h2 { "Reveal “" (view.round.title) "”?" }
                p { "Everyone who can see the round will see all answers side by side. Answers lock at the reveal." }
                @if pending.is_empty() {
                    p { "Everyone has submitted." }
                } @else {
                    div.alert role="alert" {
                        p { strong { "Not everyone has submitted." } " Their answers stay out of the round:" }
                        ul { @for p in &pending { li { (p.name) } } }
                    }
                }
                form method="post" action={ (round_url(workspace_id, round_id)) "/reveal" } {
                    input type="hidden" name="confirm" value="yes";
                    div.actions {
                        button type="submit" { @if pending.is_empty() { "Reveal" } @else { "Reveal without them" } }
                        a.button.secondary href=(round_url(workspace_id, round_id)) { "Not yet" }
                    }
                }
            }
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealForm {
    #[serde(default)]
    confirm: String,
}

async fn reveal(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<RevealForm>,
) -> Result<Response, PageError> {
    state
        .app
        .reveal_round(&signed.actor, workspace_id, round_id, form.confirm == "yes")
        .await?;
    Ok(redirect_with_flash(
        &format!("{}/session", round_url(workspace_id, round_id)),
        "Revealed. Listen first: read each answer before you judge it.",
    ))
}

async fn close(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state
        .app
        .close_round(&signed.actor, workspace_id, round_id)
        .await?;
    Ok(redirect_with_flash(
        &round_url(workspace_id, round_id),
        "Round closed.",
    ))
}

/// A stale write on one question: what is stored now, shown beside the
/// person's own unsaved text.
struct Clash {
    stale: Stale,
}

fn answer_input(q: &Question, value: Option<&AnswerValue>, typed: Option<&[String]>) -> Markup {
    let name = format!("a_{}", q.key);
    let typed_first = typed.and_then(|t| t.first()).map(String::as_str);
    html! {
        @match &q.kind {
            QuestionKind::Text => {
                textarea name=(name) rows="6" aria-label=(q.prompt) {
                    @if let Some(t) = typed_first { (t) } @else if let Some(AnswerValue::Text(t)) = value { (t) }
                }
            }
            QuestionKind::Ranking { options } => {
                @let order: Vec<String> = match (typed, value) {
                    (Some(t), _) => t.iter().flat_map(|v| v.lines()).map(str::to_owned).collect(),
                    (None, Some(AnswerValue::Ranking(items))) => items.clone(),
                    _ => options.clone(),
                };
                span.hint { "Most important first; every option once. Drag the options, or move them with the arrow keys (without scripts: one option per line)." }
                textarea name=(name) rows=(options.len() + 1) aria-label=(q.prompt) data-ranking { (order.join("\n")) }
                @if typed.is_none() && value.is_none() {
                    // Not ranked yet: the order shown is the template's, not an answer.
                    input type="hidden" name={ "d_" (q.key) } value=(options.join("\n"));
                    label.inline { input type="checkbox" name={ "k_" (q.key) } value="1"; "This order, as shown, is my ranking" }
                }
            }
            QuestionKind::SingleChoice { options } => {
                @for option in options {
                    label.inline { input type="radio" name=(name) value=(option) checked[typed_first == Some(option.as_str()) || matches!(value, Some(AnswerValue::Choice(c)) if c == option)]; (option) }
                }
            }
            QuestionKind::MultipleChoice { options } => {
                @for option in options {
                    label.inline { input type="checkbox" name=(name) value=(option) checked[typed.is_some_and(|t| t.contains(option)) || matches!(value, Some(AnswerValue::Choices(c)) if c.contains(option))]; (option) }
                }
            }
            QuestionKind::Number { unit, min, max } => {
                @let bounds = super::vision::bounds_text(*min, *max);
                @if !bounds.is_empty() { span.hint { "In " (unit) (bounds) "." } }
                div.inline {
                    input type="text" inputmode="decimal" name=(name) aria-label=(q.prompt)
                        value=(typed_first.map(str::to_owned).or_else(|| match value { Some(AnswerValue::Number(n)) => Some(format_number(*n)), _ => None }).unwrap_or_default());
                    span { (unit) }
                }
            }
            QuestionKind::Scale { min_label, max_label, .. } => {
                div.inline {
                    span.muted { (min_label) }
                    @for v in q.kind.scale_points() {
                        label.inline { input type="radio" name=(name) value=(v) checked[typed_first == Some(v.to_string().as_str()) || value == Some(&AnswerValue::Scale(v))]; (v) }
                    }
                    span.muted { (max_label) }
                }
            }
        }
    }
}

async fn answer_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    round_id: i64,
    typed: &HashMap<String, Vec<String>>,
    errors: &HashMap<String, String>,
    clashes: &HashMap<String, Clash>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let view = state
        .app
        .round(&signed.actor, workspace_id, round_id)
        .await?;
    if !view.is_participant {
        return Err(AppError::Forbidden.into());
    }
    let mine = |key: &str| view.my_answers.iter().find(|a| a.question_key == key);
    let locked = view.round.state != RoundState::Answering;
    Ok(page(
        &format!("Answer: {}", view.round.title),
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "rounds"))
            h2 { (view.round.title) }
            p.muted { "Answer in your own words. Nobody sees your answers until the round is revealed; you can change them until then." }
            @if locked { div.alert { "This round is not taking answers (" (view.round.state.label()) ")." } }
            @if !errors.is_empty() {
                div.alert role="alert" {
                    p { "Some answers need another look; they are marked below. Nothing else was lost." }
                    ul {
                        @for q in view.vision.questions.iter().filter(|q| errors.contains_key(&q.key)) {
                            li { a href={ "#q-" (q.key) } { (q.prompt) } }
                        }
                    }
                }
            }
            form.stack method="post" action={ (round_url(workspace_id, round_id)) "/answer" } {
                @for (i, q) in view.vision.questions.iter().enumerate() {
                    @let current = mine(&q.key);
                    @let clash = clashes.get(&q.key);
                    div.card id={ "q-" (q.key) } {
                        p { strong { (i + 1) ". " (q.prompt) } }
                        @if !q.help.is_empty() { p.muted { (q.help) } }
                        @if let Some(clash) = clash {
                            div.alert role="alert" {
                                p { strong { "This answer was changed elsewhere" } " (another tab or device) while you edited. It now reads:" }
                                p.answer { (clash.stale.text) }
                                p { "Your text is kept below. Merge what you want to keep and save again (that replaces the version above), or "
                                    a href={ (round_url(workspace_id, round_id)) "/answer" } { "reload" } " to discard your changes." }
                            }
                        }
                        input type="hidden" name={ "v_" (q.key) } value=(clash.map(|c| c.stale.version).or(current.map(|a| a.version)).unwrap_or(0));
                        (answer_input(q, current.map(|a| &a.value), typed.get(&q.key).map(Vec::as_slice)))
                        @if let Some(e) = errors.get(&q.key) { span.field-error { (super::layout::capitalise(e)) } }
                        @if let Some(a) = current { p.muted { "Saved " (when(a.updated_at)) } }
                    }
                }
                @if !locked {
                    div.actions {
                        button.secondary type="submit" name="action" value="save" { "Save draft" }
                        button type="submit" name="action" value="submit" { "Save and submit" }
                    }
                }
            }
        },
    ))
}

async fn answer_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    answer_page(
        &state,
        &signed,
        workspace_id,
        round_id,
        &HashMap::new(),
        &HashMap::new(),
        &HashMap::new(),
    )
    .await
}

async fn answer(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let view = state
        .app
        .round(&signed.actor, workspace_id, round_id)
        .await?;
    let mut typed: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in &fields {
        if let Some(key) = name.strip_prefix("a_") {
            typed.entry(key.to_owned()).or_default().push(value.clone());
        }
    }
    let mut errors = HashMap::new();
    let mut clashes = HashMap::new();
    for q in &view.vision.questions {
        let Some(values) = typed.get(&q.key) else {
            continue;
        };
        let current = view.my_answers.iter().find(|a| a.question_key == q.key);
        let expected_version = form_value(&fields, &format!("v_{}", q.key))
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| *v > 0);
        if values.iter().all(|v| v.trim().is_empty()) {
            // An emptied saved answer is cleared, not kept.
            if let (Some(_), Some(version)) = (current, expected_version) {
                match state
                    .app
                    .clear_answer(&signed.actor, workspace_id, round_id, &q.key, version)
                    .await
                {
                    Ok(()) => {}
                    Err(AppError::Stale(stale)) => {
                        clashes.insert(q.key.clone(), Clash { stale: *stale });
                    }
                    Err(AppError::Conflict(message)) => {
                        errors.insert(q.key.clone(), message);
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            continue;
        }
        if current.is_none() && untouched_ranking(&fields, &q.key, values) {
            continue;
        }
        let expected = expected_version;
        let value = match q.parse_form_answer(values) {
            Ok(value) => value,
            Err(e) => {
                errors.insert(q.key.clone(), e.message);
                continue;
            }
        };
        if current.is_some_and(|a| a.value == value && Some(a.version) == expected) {
            continue;
        }
        match state
            .app
            .save_answer(
                &signed.actor,
                workspace_id,
                round_id,
                &q.key,
                &value,
                expected,
            )
            .await
        {
            Ok(_) => {}
            Err(AppError::Stale(stale)) => {
                clashes.insert(q.key.clone(), Clash { stale: *stale });
            }
            Err(AppError::Invalid(list)) => {
                errors.insert(
                    q.key.clone(),
                    list.into_iter()
                        .map(|e| e.message)
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            Err(other) => return Err(other.into()),
        }
    }
    // The form again, with what was typed, each problem beside its question.
    let again = |status: StatusCode, errors: HashMap<String, String>| {
        let (state, signed, typed, clashes) = (&state, &signed, &typed, &clashes);
        async move {
            let page = answer_page(
                state,
                signed,
                workspace_id,
                round_id,
                typed,
                &errors,
                clashes,
            )
            .await?;
            Ok::<Response, PageError>((status, page).into_response())
        }
    };
    if !errors.is_empty() || !clashes.is_empty() {
        let status = if clashes.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::CONFLICT
        };
        return again(status, errors).await;
    }
    let base = round_url(workspace_id, round_id);
    if form_value(&fields, "action") == Some("submit") {
        match state
            .app
            .submit_answers(&signed.actor, workspace_id, round_id)
            .await
        {
            Ok(()) => {
                return Ok(redirect_with_flash(
                    &base,
                    "Submitted. You can still change your answers until the reveal.",
                ));
            }
            Err(AppError::Invalid(_)) => {
                // Drafts are saved; name and mark every question still open.
                let view = state
                    .app
                    .round(&signed.actor, workspace_id, round_id)
                    .await?;
                let missing: HashMap<String, String> = view
                    .vision
                    .questions
                    .iter()
                    .filter(|q| !view.my_answers.iter().any(|a| a.question_key == q.key))
                    .map(|q| {
                        (
                            q.key.clone(),
                            "Not answered yet: every question needs an answer before you submit."
                                .to_owned(),
                        )
                    })
                    .collect();
                return again(StatusCode::UNPROCESSABLE_ENTITY, missing).await;
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(redirect_with_flash(
        &format!("{base}/answer"),
        "Draft saved.",
    ))
}

/// Whether a ranking still holds the order the page offered (`d_KEY`) and
/// the person did not confirm it as theirs (`k_KEY`): not an answer yet.
fn untouched_ranking(fields: &[(String, String)], key: &str, values: &[String]) -> bool {
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let Some(offered) = form_value(fields, &format!("d_{key}")) else {
        return false;
    };
    let confirmed = form_value(fields, &format!("k_{key}")).is_some();
    let given: Vec<String> = values.iter().flat_map(|v| lines(v)).collect();
    !confirmed && given == lines(offered)
}

/// Two rankings next to each other, with a line between equal items: the
/// steeper the line, the larger the disagreement.
fn ranking_svg(left_name: &str, left: &[String], right_name: &str, right: &[String]) -> Markup {
    let row = 26;
    let height = 34 + row * left.len().max(right.len());
    let mut svg = format!(
        "<svg class=\"ranking\" viewBox=\"0 0 520 {height}\" role=\"img\" aria-label=\"{} and {} rankings compared\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(left_name),
        escape(right_name)
    );
    svg.push_str(&format!("<text x=\"10\" y=\"16\" font-weight=\"bold\" font-size=\"13\">{}</text><text x=\"510\" y=\"16\" text-anchor=\"end\" font-weight=\"bold\" font-size=\"13\">{}</text>", escape(left_name), escape(right_name)));
    for (i, item) in left.iter().enumerate() {
        let y = 38 + row * i;
        svg.push_str(&format!(
            "<text x=\"10\" y=\"{y}\" font-size=\"13\">{}. {}</text>",
            i + 1,
            escape(item)
        ));
        if let Some(j) = right.iter().position(|r| r == item) {
            let y2 = 38 + row * j;
            let colour = match i.abs_diff(j) {
                0 => "#1f7a4d",
                1 => "#9a6700",
                _ => "#b42318",
            };
            svg.push_str(&format!("<line x1=\"205\" y1=\"{}\" x2=\"315\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"2\"/>", y - 4, y2 - 4));
        }
    }
    for (j, item) in right.iter().enumerate() {
        let y = 38 + row * j;
        svg.push_str(&format!(
            "<text x=\"510\" y=\"{y}\" text-anchor=\"end\" font-size=\"13\">{}. {}</text>",
            j + 1,
            escape(item)
        ));
    }
    svg.push_str("</svg>");
    PreEscaped(svg)
}

fn escape(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = maud::Escaper::new(&mut out).write_str(text);
    out
}

/// Marks claims inside an answer: `marks` are (claim text, CSS class); the
/// claims are substrings of the answer, so they are found in place.
fn highlighted(text: &str, marks: &[(&str, &'static str)]) -> Markup {
    let mut spans: Vec<(usize, usize, &'static str)> = Vec::new();
    for (claim, class) in marks {
        if claim.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(i) = text[from..].find(claim) {
            let (start, end) = (from + i, from + i + claim.len());
            if !spans.iter().any(|(s, e, _)| start < *e && *s < end) {
                spans.push((start, end, class));
                break;
            }
            from = end;
        }
    }
    spans.sort_unstable();
    let mut pieces: Vec<(&str, Option<&'static str>)> = Vec::new();
    let mut at = 0;
    for (start, end, class) in spans {
        pieces.push((&text[at..start], None));
        pieces.push((&text[start..end], Some(class)));
        at = end;
    }
    pieces.push((&text[at..], None));
    html! {
        p.answer {
            @for (piece, class) in pieces {
                @if let Some(class) = class { mark class=(class) { (piece) } } @else { (piece) }
            }
        }
    }
}

fn method_note(analysis: &RoundAnalysis) -> Markup {
    html! {
        @match analysis.method {
            Method::Minilm => p.muted { "Scores by the text model (all-MiniLM-L6-v2), computed on this server in " (analysis.elapsed_ms) " ms." },
            Method::Lexical => div.alert role="note" { strong { "Scores by the lexical fallback" } " — the text model is not installed on this server, so answers are compared by shared words, not by meaning. Scores are recomputed once the model is installed." },
        }
    }
}

fn analysis_status(view: &AnalysisView) -> Markup {
    html! {
        @match view {
            AnalysisView::Off => p.muted { "The analysis is switched off for this workspace." },
            AnalysisView::Pending => p.muted.analysis-pending role="status" { "The analysis is running; this page shows the scores as soon as it is done." },
            AnalysisView::Failed => div.alert { "The analysis could not be completed; the cause is in the server log." },
            AnalysisView::Done(analysis) => (method_note(analysis)),
        }
    }
}

/// What computed a score: the text model or fallback for free text, a rule
/// for the other question kinds, the weighted mean for the index.
fn scored_by(method: Method) -> &'static str {
    match method {
        Method::Minilm => "MiniLM",
        Method::Lexical => "lexical",
    }
}

/// The rule that scores a question kind other than free text.
fn kind_rule(kind: &KindComparison) -> &'static str {
    match kind.details {
        KindDetails::Ranking { .. } => "rank order",
        KindDetails::Number { .. } => "numbers",
        KindDetails::SingleChoice { .. } | KindDetails::MultipleChoice { .. } => "choices",
        KindDetails::Scale { .. } => "scale",
    }
}

fn score_badge(score: f64, by: &str) -> Markup {
    let class = if score >= 70.0 {
        "badge ok"
    } else if score >= parallax_engine::GAP_BELOW {
        "badge warn"
    } else {
        "badge bad"
    };
    html! { span class=(class) title={ "Alignment score, by " (by) } { (format!("{score:.0}")) " / 100 · " (by) } }
}

/// What the listening session calls each kind of contradiction.
fn conflict_label(conflict: Conflict) -> &'static str {
    match conflict {
        Conflict::Negation => "negation",
        Conflict::Opposition => "opposite positions",
        Conflict::Magnitude => "figure off by a factor",
        Conflict::Figure => "figures differ",
    }
}

fn cell_view(cell: &Cell, method: Method, reference: &str, participant: &str) -> Markup {
    html! {
        div.analysis {
            p {
                @if let Some(score) = cell.score {
                    (score_badge(score, cell.kind.as_ref().map_or(scored_by(method), kind_rule))) " "
                }
                span.muted { (cell.explanation) }
            }
            @if let Some(text) = &cell.text {
                @if !text.contradictions.is_empty() {
                    ul.contradictions {
                        @for c in &text.contradictions {
                            li {
                                span.badge.bad { (conflict_label(c.conflict)) } " " (c.explanation)
                                br;
                                span.muted { (reference) ": “" (c.a) "” · " (participant) ": “" (c.b) "”" }
                            }
                        }
                    }
                }
                div.claims {
                    @if !text.shared.is_empty() { p { mark.shared { "Both said" } " " (text.shared.iter().map(|s| s.b.as_str()).collect::<Vec<_>>().join(" · ")) } }
                    @if !text.a_only.is_empty() { p { mark.only-a { "Only " (reference) } " " (text.a_only.join(" · ")) } }
                    @if !text.b_only.is_empty() { p { mark.only-b { "Only " (participant) } " " (text.b_only.join(" · ")) } }
                }
            }
            @if let Some(KindComparison { details: KindDetails::Ranking { largest_differences, .. }, .. }) = &cell.kind {
                @if !largest_differences.is_empty() {
                    p.muted { "Largest differences: " (largest_differences.iter().map(|d| format!("{} ({} vs {})", d.item, d.rank_a, d.rank_b)).collect::<Vec<_>>().join(", ")) }
                }
            }
        }
    }
}

fn answer_view(
    q: &Question,
    answer: Option<&AnswerRecord>,
    reference: Option<&AnswerRecord>,
) -> Markup {
    html! {
        @match answer.map(|a| &a.value) {
            None => p.muted { "No answer." },
            Some(AnswerValue::Text(t)) => p.answer { (t) },
            Some(AnswerValue::Ranking(items)) => ol { @for item in items { li { (item) } } },
            Some(AnswerValue::Choice(c)) => p { (c) },
            Some(AnswerValue::Choices(c)) => ul { @for item in c { li { (item) } } },
            Some(AnswerValue::Number(n)) => {
                p.number { strong { (format_number(*n)) } " " @if let QuestionKind::Number { unit, .. } = &q.kind { (unit) } }
                @if let Some(AnswerValue::Number(r)) = reference.map(|a| &a.value) {
                    @if *r != 0.0 && r != n { p.muted { (format!("{:.1}", n / r)) "× the leader's figure" } }
                }
            }
            Some(AnswerValue::Scale(v)) => {
                p { strong { (v) } @if let QuestionKind::Scale { min, max, .. } = &q.kind { span.muted { " on " (min) "–" (max) } } }
            }
        }
    }
}

async fn session(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let s = state
        .app
        .session(&signed.actor, workspace_id, round_id)
        .await?;
    let base = round_url(workspace_id, round_id);
    let leader_id = s.view.round.created_by;
    let mut voices: Vec<&ParticipantRecord> = s.voices().collect();
    voices.sort_by_key(|p| Some(p.user_id) != leader_id);
    let leader = voices
        .first()
        .copied()
        .filter(|p| Some(p.user_id) == leader_id);
    let editable = s.view.can_manage && s.view.round.state == RoundState::Revealed;
    Ok(page(
        &format!("Listening session: {}", s.view.round.title),
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "rounds"))
            div.actions { h2 { "Listening session · " (s.view.round.title) } (state_badge(s.view.round.state)) a href={ (base) "/summary" } { "Summary" } }
            p.muted { "Read each answer as its author meant it. You can take notes, flag the question and ask a clarifying question — answers themselves cannot be edited or commented." }
            (analysis_status(&s.analysis))
            @for (i, q) in s.view.vision.questions.iter().enumerate() {
                section.card.question id={ "q-" (q.key) } {
                    h2 { (i + 1) ". " (q.prompt) }
                    div.side-by-side {
                        @for p in &voices {
                            div.voice {
                                p { strong { (p.name) } @if Some(p.user_id) == leader_id { " " span.badge { "leader" } } }
                                @let marks = claim_marks(&s, &q.key, p.user_id, leader_id);
                                @match (s.answer(p.user_id, &q.key).map(|a| &a.value), marks.is_empty()) {
                                    (Some(AnswerValue::Text(text)), false) => (highlighted(text, &marks)),
                                    _ => (answer_view(q, s.answer(p.user_id, &q.key), leader.and_then(|l| s.answer(l.user_id, &q.key)).filter(|_| Some(p.user_id) != leader_id))),
                                }
                                @if let (AnalysisView::Done(analysis), false) = (&s.analysis, Some(p.user_id) == leader_id) {
                                    @if let Some(cell) = analysis.cell(&q.key, p.user_id) {
                                        (cell_view(cell, analysis.method, &analysis.reference.name, &p.name))
                                    }
                                }
                            }
                        }
                    }
                    @if let (QuestionKind::Ranking { .. }, Some(l)) = (&q.kind, leader) {
                        @for p in voices.iter().filter(|p| Some(p.user_id) != leader_id) {
                            @if let (Some(AnswerValue::Ranking(a)), Some(AnswerValue::Ranking(b))) = (s.answer(l.user_id, &q.key).map(|a| &a.value), s.answer(p.user_id, &q.key).map(|a| &a.value)) {
                                div.chart tabindex="0" role="region" aria-label={ "Rankings of " (l.name) " and " (p.name) " side by side" } { (ranking_svg(&l.name, a, &p.name, b)) }
                            }
                        }
                    }
                    @for p in voices.iter().filter(|p| Some(p.user_id) != leader_id) {
                        (listening_notes(&s, q, p, &base, editable, signed.actor.id()))
                    }
                }
            }
        },
    ))
}

/// The claims to highlight in one person's answer: for a participant, what
/// they share with the leader and what only they said; for the leader, what
/// any participant shares and what nobody else said.
fn claim_marks<'a>(
    s: &'a SessionView,
    key: &str,
    user_id: i64,
    leader_id: Option<i64>,
) -> Vec<(&'a str, &'static str)> {
    let AnalysisView::Done(analysis) = &s.analysis else {
        return Vec::new();
    };
    let Some(question) = analysis.questions.iter().find(|q| q.key == key) else {
        return Vec::new();
    };
    let mut marks = Vec::new();
    if Some(user_id) == leader_id {
        for text in question.cells.iter().filter_map(|c| c.text.as_ref()) {
            marks.extend(text.shared.iter().map(|c| (c.a.as_str(), "shared")));
        }
        for text in question.cells.iter().filter_map(|c| c.text.as_ref()) {
            marks.extend(text.a_only.iter().map(|c| (c.as_str(), "only-a")));
        }
    } else if let Some(text) = question
        .cells
        .iter()
        .find(|c| c.participant_id == user_id)
        .and_then(|c| c.text.as_ref())
    {
        marks.extend(text.shared.iter().map(|c| (c.b.as_str(), "shared")));
        marks.extend(text.b_only.iter().map(|c| (c.as_str(), "only-b")));
    }
    marks
}

fn listening_notes(
    s: &SessionView,
    q: &Question,
    p: &ParticipantRecord,
    base: &str,
    editable: bool,
    viewer: i64,
) -> Markup {
    let note = s.note(&q.key, p.user_id);
    let clarifications: Vec<_> = s
        .clarifications
        .iter()
        .filter(|c| c.question_key == q.key && c.participant_id == p.user_id)
        .collect();
    html! {
        div.notes {
            p.muted { "With " (p.name) ": "
                @if let Some(flag) = note.and_then(|n| n.flag) { span class={ "badge " (flag_class(flag)) } { (flag.label()) } } @else { "not flagged yet" }
                @if note.and_then(|n| n.flag) == Some(Flag::Misaligned) && s.view.role != Role::Advisor {
                    " " a.button.small href={ "/w/" (s.view.round.workspace_id) "/gaps/new?round=" (s.view.round.id) "&question=" (q.key) "&participant=" (p.user_id) } { "Open a gap" }
                } }
            @if editable {
                form.stack method="post" action={ (base) "/notes/" (q.key) "/" (p.user_id) } {
                    input type="hidden" name="version" value=(note.map(|n| n.version).unwrap_or(0));
                    input type="hidden" name="flag" value=(note.and_then(|n| n.flag).map_or("", |f| f.as_str()));
                    fieldset.inline {
                        legend { "Flag (saved when clicked, with the notes below)" }
                        @for flag in Flag::ALL {
                            @let current = note.and_then(|n| n.flag) == Some(flag);
                            button.small.flag.selected[current].secondary[!current] type="submit" name="set_flag" value=(flag.as_str()) aria-pressed=(current) { (flag.label()) }
                        }
                    }
                    @let shared = note.is_some_and(|n| n.shared);
                    label { "Your notes"
                        span.hint { @if shared { "Shared: " (p.name) " reads this note." } @else { "Private: only those who run rounds read it." } }
                        textarea name="note" rows="2" { @if let Some(n) = note { (n.body) } }
                    }
                    label.inline { input type="checkbox" name="shared" value="1" checked[shared]; "Share this note with " (p.name) }
                    div { button.secondary.small type="submit" { "Save note" } }
                }
            } @else if let Some(n) = note.filter(|n| !n.body.is_empty()) {
                p { em { "Note from the listening session, shared with you: " } (n.body) }
            }
            @for c in &clarifications {
                div.clarification {
                    p { strong { "Question to " (p.name) ": " } (c.question) }
                    @if let Some(a) = &c.answer { p { strong { (p.name) ": " } (a) } }
                    @else if viewer == p.user_id && s.view.round.state == RoundState::Revealed {
                        form.stack method="post" action={ (base) "/clarifications/" (c.id) "/answer" } {
                            label { "Your answer" textarea name="answer" rows="2" {} }
                            div { button.small type="submit" { "Answer" } }
                        }
                    } @else { p.muted { "Not answered yet." } }
                }
            }
            @if editable {
                form.inline method="post" action={ (base) "/clarifications" } {
                    input type="hidden" name="key" value=(q.key);
                    input type="hidden" name="participant" value=(p.user_id);
                    input type="text" name="question" placeholder={ "Ask " (p.name) " a clarifying question" } aria-label="Clarifying question";
                    button.secondary.small type="submit" { "Ask" }
                }
            }
        }
    }
}

fn flag_class(flag: Flag) -> &'static str {
    match flag {
        Flag::Aligned => "ok",
        Flag::Partly => "warn",
        Flag::Misaligned => "bad",
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteForm {
    #[serde(default)]
    version: i64,
    /// The flag the page showed; kept when only the notes are saved.
    #[serde(default)]
    flag: Option<String>,
    /// A flag button: sets the flag (and saves the notes with it).
    #[serde(default)]
    set_flag: Option<String>,
    #[serde(default)]
    note: String,
    /// The "share with the participant" checkbox.
    #[serde(default)]
    shared: Option<String>,
}

async fn note(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id, key, participant_id)): Path<(i64, i64, String, i64)>,
    PageForm(form): PageForm<NoteForm>,
) -> Result<Response, PageError> {
    let clicked = form.set_flag.as_deref().filter(|f| !f.is_empty());
    let flag = clicked
        .or(form.flag.as_deref())
        .filter(|f| !f.is_empty())
        .map(str::parse::<Flag>)
        .transpose()
        .map_err(AppError::from)?;
    let expected = (form.version > 0).then_some(form.version);
    let target = format!("{}/session#q-{key}", round_url(workspace_id, round_id));
    match state
        .app
        .save_note(
            &signed.actor,
            workspace_id,
            round_id,
            &NoteWrite {
                question_key: &key,
                participant_id,
                body: &form.note,
                flag,
                shared: form.shared.is_some(),
                expected_version: expected,
            },
        )
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &target,
            match flag {
                Some(flag) if clicked.is_some() => format!("Flag saved: {}.", flag.label()),
                _ => "Note saved.".to_owned(),
            }
            .as_str(),
        )),
        Err(AppError::Stale(stale)) => Ok(redirect_with_flash(
            &target,
            &format!(
                "Someone else changed this note meanwhile; it now reads: “{}”. Your text was not saved: {}",
                stale.text, form.note
            ),
        )),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AskForm {
    key: String,
    participant: i64,
    question: String,
}

async fn ask(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<AskForm>,
) -> Result<Response, PageError> {
    state
        .app
        .ask_clarification(
            &signed.actor,
            workspace_id,
            round_id,
            &form.key,
            form.participant,
            &form.question,
        )
        .await?;
    Ok(redirect_with_flash(
        &format!(
            "{}/session#q-{}",
            round_url(workspace_id, round_id),
            form.key
        ),
        "Question asked.",
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClarifyForm {
    answer: String,
}

async fn clarify(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id, clarification_id)): Path<(i64, i64, i64)>,
    PageForm(form): PageForm<ClarifyForm>,
) -> Result<Response, PageError> {
    state
        .app
        .answer_clarification(
            &signed.actor,
            workspace_id,
            round_id,
            clarification_id,
            &form.answer,
        )
        .await?;
    Ok(redirect_with_flash(
        &format!("{}/session", round_url(workspace_id, round_id)),
        "Answer sent.",
    ))
}

async fn summary(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, round_id)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let s = state
        .app
        .session(&signed.actor, workspace_id, round_id)
        .await?;
    let leader_id = s.view.round.created_by;
    let others: Vec<&ParticipantRecord> = s
        .voices()
        .filter(|p| Some(p.user_id) != leader_id)
        .collect();
    let flagged = |flag: Flag| s.notes.iter().filter(|n| n.flag == Some(flag)).count();
    Ok(page(
        &format!("Summary: {}", s.view.round.title),
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "rounds"))
            div.actions { h2 { "Summary · " (s.view.round.title) } a href={ (round_url(workspace_id, round_id)) "/session" } { "Listening session" } }
            p { span.badge.ok { (flagged(Flag::Aligned)) " aligned" } " " span.badge.warn { (flagged(Flag::Partly)) " partly" } " " span.badge.bad { (flagged(Flag::Misaligned)) " misaligned" } }
            (analysis_status(&s.analysis))
            @if let AnalysisView::Done(analysis) = &s.analysis {
                section.card #alignment-index {
                    h2 { "Alignment index" }
                    p.index { @if let Some(overall) = analysis.index.overall { (score_badge(overall, "weighted mean")) } @else { "—" } " overall, each participant compared with " (analysis.reference.name) }
                    ul { @for (p, score) in analysis.participants.iter().zip(&analysis.index.per_participant) {
                        li { (p.name) ": " @if let Some(score) = score { (format!("{score:.0}")) } @else { "—" } }
                    } }
                    @let weighted: Vec<_> = analysis.questions.iter().filter(|q| q.weight != DEFAULT_QUESTION_WEIGHT).collect();
                    @if !weighted.is_empty() {
                        p.muted #weights { "Weighted questions: "
                            @for (i, q) in weighted.iter().enumerate() { @if i > 0 { "; " } (q.prompt) " ×" (q.weight) }
                            ". Every other question counts ×" (DEFAULT_QUESTION_WEIGHT) "." }
                    }
                    div.heatmap tabindex="0" role="region" aria-label="Heatmap: each question's score per person" { (PreEscaped(analysis.heatmap_svg.clone())) }
                }
                section.card #patterns {
                    h2 { "Patterns" }
                    @if analysis.patterns.is_empty() {
                        p.empty { "No recurring themes among the one-sided claims yet." }
                    }
                    @for pattern in &analysis.patterns {
                        details {
                            summary { strong { (pattern.label) } " · " (count(pattern.claims.len(), "claim", "claims")) ", " (count(pattern.participants.len(), "person", "people")) ", " (count(pattern.rounds.len(), "round", "rounds")) }
                            ul { @for c in &pattern.claims { li { "“" (c.text) "” — " (c.source.participant) ", " em { (c.source.question) } " (" (c.source.round) ")" } } }
                        }
                    }
                }
            }
            @if others.is_empty() {
                div.empty { "Nobody besides the leader answered this round." }
            } @else {
                table #summary {
                    thead { tr { th { "Question" } @for p in &others { th { (p.name) } } } }
                    tbody {
                        @for q in &s.view.vision.questions {
                            tr {
                                td { a href={ (round_url(workspace_id, round_id)) "/session#q-" (q.key) } { (q.prompt) } }
                                @for p in &others {
                                    td { @match s.note(&q.key, p.user_id).and_then(|n| n.flag) {
                                        Some(flag) => span class={ "badge " (flag_class(flag)) } { (flag.label()) },
                                        None => span.muted { "—" },
                                    } }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}
