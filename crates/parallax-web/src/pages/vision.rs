//! The vision page: questions and pillars, editing, versions and their
//! comparison.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_app::rounds::VisionEdit;
use parallax_app::rounds::VisionSeen;
use parallax_domain::Invalid;
use parallax_domain::vision::{
    Change, DEFAULT_QUESTION_WEIGHT, KindSettings, MAX_QUESTION_WEIGHT, Pillar, Question,
    QuestionKind, VisionDiff, format_number, invalid_weight,
};
use parallax_domain::workspace::Role;
use parallax_store::{RoundRecord, VisionRecord};
use serde::Deserialize;

use super::layout::{FormErrors, capitalise, form_alert, page, workspace_nav};
use crate::auth::{SignedIn, redirect_with_flash};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/w/{workspace_id}/vision", get(show)),
        ("/w/{workspace_id}/vision/questions", post(add_question)),
        (
            "/w/{workspace_id}/vision/questions/{key}",
            post(update_question),
        ),
        (
            "/w/{workspace_id}/vision/questions/{key}/edit",
            get(edit_question),
        ),
        (
            "/w/{workspace_id}/vision/questions/{key}/remove",
            post(remove_question),
        ),
        (
            "/w/{workspace_id}/vision/questions/{key}/move",
            post(move_question),
        ),
        ("/w/{workspace_id}/vision/pillars", post(set_pillars)),
        ("/w/{workspace_id}/vision/versions/{number}", get(version)),
        ("/w/{workspace_id}/vision/compare", get(compare)),
    ]
}

/// The question form's fields, shared by add and edit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionForm {
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub prompt: String,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub options: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub min_label: String,
    #[serde(default)]
    pub max_label: String,
    /// A number question's bounds, as typed: empty for none.
    #[serde(default)]
    pub number_min: String,
    #[serde(default)]
    pub number_max: String,
    /// Text, so that an emptied number field is a field error, not a
    /// rejected form.
    #[serde(default)]
    pub weight: String,
}

/// An optional number typed into a form: empty is none.
fn optional_number(field: &'static str, text: &str) -> Result<Option<f64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.replace(',', ".")
        .parse::<f64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "enter a number, or leave it empty"))
}

impl QuestionForm {
    /// A new question's form: a free-text question, and counts from zero
    /// should it become a number.
    pub(crate) fn new_question() -> Self {
        QuestionForm {
            number_min: "0".into(),
            ..QuestionForm::default()
        }
    }

    pub(crate) fn kind(&self) -> Result<QuestionKind, AppError> {
        Ok(QuestionKind::parse(
            &self.kind,
            &KindSettings {
                options: &self.options,
                unit: &self.unit,
                number_min: optional_number("number_min", &self.number_min)?,
                number_max: optional_number("number_max", &self.number_max)?,
                scale_min: self.min.unwrap_or(1),
                scale_max: self.max.unwrap_or(5),
                min_label: &self.min_label,
                max_label: &self.max_label,
            },
        )?)
    }

    /// The weight field: empty means the default (or, for an edit, keep).
    pub(crate) fn weight(&self) -> Result<Option<i64>, AppError> {
        let text = self.weight.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| AppError::Invalid(vec![invalid_weight()]))
    }

    fn from_question(q: &Question, version: i64) -> Self {
        let (min, max, min_label, max_label) = match &q.kind {
            QuestionKind::Scale {
                min,
                max,
                min_label,
                max_label,
            } => (Some(*min), Some(*max), min_label.clone(), max_label.clone()),
            _ => (None, None, String::new(), String::new()),
        };
        let (unit, number_min, number_max) = match &q.kind {
            QuestionKind::Number { unit, min, max } => {
                let shown = |b: &Option<f64>| b.map(format_number).unwrap_or_default();
                (unit.clone(), shown(min), shown(max))
            }
            _ => (String::new(), "0".to_owned(), String::new()),
        };
        QuestionForm {
            version,
            prompt: q.prompt.clone(),
            help: q.help.clone(),
            kind: q.kind.name().to_owned(),
            options: q.kind.options().join("\n"),
            unit,
            min,
            max,
            min_label,
            max_label,
            number_min,
            number_max,
            weight: q.weight.to_string(),
        }
    }
}

const KINDS: [(&str, &str); 6] = [
    ("text", "Free text"),
    ("ranking", "Ranking"),
    ("single_choice", "Single choice"),
    ("multiple_choice", "Multiple choice"),
    ("number", "Number with unit"),
    ("scale", "Scale"),
];

fn question_form(action: &str, form: &QuestionForm, errors: &FormErrors, submit: &str) -> Markup {
    let err = |field: &str| {
        errors
            .0
            .iter()
            .find(|e| e.field == field)
            .map(|e| super::layout::capitalise(&e.message))
    };
    let kind = if form.kind.is_empty() {
        "text"
    } else {
        form.kind.as_str()
    };
    html! {
        (form_alert(errors, &["prompt", "help", "kind", "options", "unit", "number_min", "number_max", "min", "max", "min_label", "max_label", "weight"]))
        form.stack.question-form method="post" action=(action) {
            input type="hidden" name="version" value=(form.version);
            label { "Question"
                input type="text" name="prompt" value=(form.prompt) required aria-invalid=[err("prompt").map(|_| "true")];
                @if let Some(e) = err("prompt") { span.field-error { (e) } }
            }
            label { "Help text" span.hint { "What a good answer contains." }
                textarea name="help" rows="2" { (form.help) }
                @if let Some(e) = err("help") { span.field-error { (e) } }
            }
            label { "Kind of answer"
                select name="kind" data-kind-select {
                    @for (value, label) in KINDS {
                        option value=(value) selected[kind == value] { (label) }
                    }
                }
            }
            // Each kind's own settings; the page script shows only the
            // chosen kind's, and without it every group says whom it serves.
            div.kind-fields data-kinds="ranking single_choice multiple_choice" hidden[!CHOICE_KINDS.contains(&kind)] {
                label { "Options" span.hint { "For ranking and choice questions: one option per line." }
                    textarea name="options" rows="4" aria-invalid=[err("options").map(|_| "true")] { (form.options) }
                    @if let Some(e) = err("options") { span.field-error { (e) } }
                }
            }
            div.kind-fields.side-by-side data-kinds="number" hidden[kind != "number"] {
                label { "Unit" span.hint { "For numbers, e.g. \"paying customers\"." }
                    input type="text" name="unit" value=(form.unit) aria-invalid=[err("unit").map(|_| "true")];
                    @if let Some(e) = err("unit") { span.field-error { (e) } }
                }
                label { "Smallest answer" span.hint { "0 for counts; empty for none." }
                    input type="text" inputmode="decimal" name="number_min" value=(form.number_min) aria-invalid=[err("number_min").map(|_| "true")];
                    @if let Some(e) = err("number_min") { span.field-error { (e) } }
                }
                label { "Largest answer" span.hint { "Empty for none." }
                    input type="text" inputmode="decimal" name="number_max" value=(form.number_max) aria-invalid=[err("number_max").map(|_| "true")];
                    @if let Some(e) = err("number_max") { span.field-error { (e) } }
                }
            }
            div.kind-fields.side-by-side data-kinds="scale" hidden[kind != "scale"] {
                label { "Scale from" span.hint { "For scales." } input type="number" name="min" value=(form.min.unwrap_or(1));
                    @if let Some(e) = err("min") { span.field-error { (e) } } }
                label { "to" input type="number" name="max" value=(form.max.unwrap_or(5));
                    @if let Some(e) = err("max") { span.field-error { (e) } } }
                label { "Lowest means" input type="text" name="min_label" value=(form.min_label); }
                label { "Highest means" input type="text" name="max_label" value=(form.max_label); }
            }
            label { "Weight" span.hint { "How much this question counts in a round's alignment index, 1–" (MAX_QUESTION_WEIGHT) "." }
                input type="number" name="weight" min="1" max=(MAX_QUESTION_WEIGHT) step="1" value=(if form.weight.is_empty() { DEFAULT_QUESTION_WEIGHT.to_string() } else { form.weight.clone() });
                @if let Some(e) = err("weight") { span.field-error { (e) } }
            }
            div { button type="submit" { (submit) } }
        }
    }
}

/// The kinds that take options.
const CHOICE_KINDS: [&str; 3] = ["ranking", "single_choice", "multiple_choice"];

pub(crate) fn kind_summary(kind: &QuestionKind) -> Markup {
    html! {
        span.badge { (kind.label()) }
        @match kind {
            QuestionKind::Ranking { options } | QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                " " span.muted { (options.join(" · ")) }
            }
            QuestionKind::Number { unit, min, max } => { " " span.muted { "in " (unit) (bounds_text(*min, *max)) } }
            QuestionKind::Scale { min, max, min_label, max_label } => {
                " " span.muted { (min) " (" (min_label) ") to " (max) " (" (max_label) ")" }
            }
            QuestionKind::Text => {}
        }
    }
}

/// A number question's bounds in words: ", from 0", ", 0 to 100", ", up to 5".
pub(crate) fn bounds_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!(", {} to {}", format_number(min), format_number(max)),
        (Some(min), None) => format!(", from {}", format_number(min)),
        (None, Some(max)) => format!(", up to {}", format_number(max)),
        (None, None) => String::new(),
    }
}

fn weight_badge(weight: i64) -> Markup {
    html! { span.badge { "counts ×" (weight) } }
}

/// One row of the pillar editor, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PillarRow {
    name: String,
    weight: String,
    description: String,
}

impl PillarRow {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.description.trim().is_empty()
            && self.weight.trim().is_empty()
    }

    fn pillar(&self) -> Result<Pillar, Invalid> {
        let weight = self
            .weight
            .trim()
            .parse::<i64>()
            .map_err(|_| Invalid::new("weight", "must be a whole number from 1 to 100"))?;
        Pillar::new(&self.name, &self.description, weight)
    }
}

/// The pillar editor as it was sent back: the rows typed, what was wrong
/// with which row, and anything wrong with the whole.
#[derive(Debug, Clone, Default)]
pub(crate) struct PillarDraft {
    rows: Vec<PillarRow>,
    errors: Vec<(usize, Invalid)>,
    general: Option<String>,
}

fn rows_of(pillars: &[Pillar]) -> Vec<PillarRow> {
    pillars
        .iter()
        .map(|p| PillarRow {
            name: p.name.clone(),
            weight: p.weight.to_string(),
            description: p.description.clone(),
        })
        .collect()
}

fn field_label(field: &str) -> &'static str {
    match field {
        "weight" => "weight",
        "description" => "description",
        _ => "name",
    }
}

/// The pillars as a small form of their own: a row per pillar (name,
/// weight, meaning) with move and remove, and an empty row to add one.
/// Errors sit beside their field and are summed up at the top.
fn pillar_editor(base: &str, vision: &VisionRecord, draft: Option<&PillarDraft>) -> Markup {
    let rows = draft.map_or_else(|| rows_of(&vision.pillars), |d| d.rows.clone());
    let error_of =
        |i: usize| draft.and_then(|d| d.errors.iter().find(|(row, _)| *row == i).map(|(_, e)| e));
    html! {
        details #pillar-editor open[draft.is_some()] {
            summary { "Edit pillars" }
            @if let Some(d) = draft {
                div.alert role="alert" #pillar-errors {
                    p { strong { "The pillars were not saved." } }
                    @if let Some(general) = &d.general { p { (general) } }
                    @for (i, e) in &d.errors {
                        p { a href={ "#pillar-" (i) "-" (field_label(e.field)) } { "Pillar " (i + 1) ": " (field_label(e.field)) " " (e.message) } }
                    }
                }
            }
            form.stack method="post" action={ (base) "/pillars" } novalidate {
                // Enter in a field saves (the first submit button is the default).
                button.visually-hidden type="submit" tabindex="-1" aria-hidden="true" { "Save pillars" }
                input type="hidden" name="version" value=(vision.version);
                @for (i, row) in rows.iter().chain(std::iter::once(&PillarRow::default())).enumerate() {
                    @let new = i == rows.len();
                    @let error = error_of(i);
                    @let invalid = |field: &str| (error.map(|e| field_label(e.field)) == Some(field)).then_some("true");
                    fieldset.pillar-row {
                        legend { @if new { "Add a pillar" } @else { "Pillar " (i + 1) } }
                        div.side-by-side {
                            label for={ "pillar-" (i) "-name" } { "Name"
                                input #{ "pillar-" (i) "-name" } type="text" name="name" value=(row.name) maxlength="60" aria-invalid=[invalid("name")];
                            }
                            label for={ "pillar-" (i) "-weight" } { "Weight" span.hint { "1–100, relative to the others." }
                                input #{ "pillar-" (i) "-weight" } type="number" name="weight" min="1" max="100" step="1" value=(row.weight) aria-invalid=[invalid("weight")];
                            }
                        }
                        label for={ "pillar-" (i) "-description" } { "What it means"
                            textarea #{ "pillar-" (i) "-description" } name="description" rows="2" aria-invalid=[invalid("description")] { (row.description) }
                        }
                        @if let Some(e) = error { p.field-error { (capitalise(field_label(e.field))) " " (e.message) } }
                        @if !new {
                            div.actions {
                                button.secondary.small type="submit" name="up" value=(i) disabled[i == 0] aria-label={ "Move pillar “" (row.name) "” up" } { "Move up" }
                                button.danger.small type="submit" name="remove" value=(i) aria-label={ "Remove pillar “" (row.name) "”" } { "Remove" }
                            }
                        }
                    }
                }
                div { button type="submit" { "Save pillars" } }
            }
        }
    }
}

/// Why the pillars and weights are missing for someone with a round to
/// answer.
fn hidden_notice(workspace_id: i64, round: &RoundRecord) -> Markup {
    html! {
        div.card.notice #vision-hidden {
            p { strong { "The leader's pillars and the questions' weights are hidden for now." } }
            p { "You have "
                a href={ "/w/" (workspace_id) "/rounds/" (round.id) } { "“" (round.title) "”" }
                " to answer. Answer in your own words first; once the round is revealed the whole vision is yours to read." }
        }
    }
}

fn vision_body(
    seen: &VisionSeen,
    can_edit: bool,
    workspace_id: i64,
    versions: &[VisionRecord],
    errors: &FormErrors,
    new_question: &QuestionForm,
    pillar_draft: Option<&PillarDraft>,
) -> Markup {
    let base = format!("/w/{workspace_id}/vision");
    let vision = &seen.vision;
    html! {
        div.actions {
            h2 { "Version " (vision.number) }
            @if vision.frozen { span.badge.warn { "In use by a round — the next change makes version " (vision.number + 1) } }
        }
        @if let Some(round) = &seen.hidden_by {
            (hidden_notice(workspace_id, round))
        } @else {
        section.card #pillars {
            h2 { "Pillars" }
            @if vision.pillars.is_empty() {
                p.empty { "No pillars yet. Name the few things that matter most and weigh them." }
            } @else {
                table.responsive {
                    thead { tr { th { "Pillar" } th { "Weight" } th { "What it means" } } }
                    tbody { @for p in &vision.pillars { tr { td { strong { (p.name) } } td { (p.weight) } td { (p.description) } } } }
                }
            }
            @if can_edit { (pillar_editor(&base, vision, pillar_draft)) }
        }
        }
        section #questions {
            h2 { "Questions" }
            @for (i, q) in vision.questions.iter().enumerate() {
                div.card {
                    p { strong { (i + 1) ". " (q.prompt) } }
                    @if !q.help.is_empty() { p.muted { (q.help) } }
                    p {
                        (kind_summary(&q.kind))
                        @if q.weight != DEFAULT_QUESTION_WEIGHT { " " (weight_badge(q.weight)) }
                    }
                    @if can_edit {
                        div.actions {
                            a.button.secondary href={ (base) "/questions/" (q.key) "/edit" } { "Edit" }
                            form.inline method="post" action={ (base) "/questions/" (q.key) "/move" } {
                                input type="hidden" name="version" value=(vision.version);
                                input type="hidden" name="direction" value="up";
                                button.secondary.small type="submit" disabled[i == 0] { "Move up" }
                            }
                            form.inline method="post" action={ (base) "/questions/" (q.key) "/move" } {
                                input type="hidden" name="version" value=(vision.version);
                                input type="hidden" name="direction" value="down";
                                button.secondary.small type="submit" disabled[i + 1 == vision.questions.len()] { "Move down" }
                            }
                            form.inline method="post" action={ (base) "/questions/" (q.key) "/remove" } data-confirm="Remove this question from the vision?" {
                                input type="hidden" name="version" value=(vision.version);
                                button.danger.small type="submit" { "Remove" }
                            }
                        }
                    }
                }
            }
        }
        @if can_edit {
            section.card #add-question {
                h2 { "Add a question" }
                (question_form(&format!("{base}/questions"), &QuestionForm { version: vision.version, ..new_question.clone() }, errors, "Add question"))
            }
        }
        @if versions.len() > 1 {
            section.card #versions {
                h2 { "Versions" }
                ul { @for v in versions { li { a href={ (base) "/versions/" (v.number) } { "Version " (v.number) } @if v.frozen { " " span.badge { "used by a round" } } } } }
                form.inline method="get" action={ (base) "/compare" } {
                    label for="from" { "Compare" }
                    select #from name="from" { @for v in versions { option value=(v.number) selected[v.number + 1 == vision.number] { "Version " (v.number) } } }
                    label for="to" { "with" }
                    select #to name="to" { @for v in versions { option value=(v.number) selected[v.number == vision.number] { "Version " (v.number) } } }
                    button.secondary type="submit" { "Compare" }
                }
            }
        }
    }
}

async fn render(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    errors: &FormErrors,
    new_question: &QuestionForm,
    pillar_draft: Option<&PillarDraft>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let seen = state.app.vision(&signed.actor, workspace_id).await?;
    let versions = state
        .app
        .vision_versions(&signed.actor, workspace_id)
        .await?;
    let can_edit = matches!(seen.role, Role::Owner | Role::Leader);
    Ok(page(
        "Vision",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "vision"))
            (vision_body(&seen, can_edit, workspace_id, &versions, errors, new_question, pillar_draft))
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    render(
        &state,
        &signed,
        workspace_id,
        &FormErrors::default(),
        &QuestionForm::new_question(),
        None,
    )
    .await
}

async fn apply(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    version: i64,
    edit: VisionEdit,
    done: &str,
) -> Result<Response, PageError> {
    state
        .app
        .edit_vision(&signed.actor, workspace_id, version, edit)
        .await?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}/vision"),
        done,
    ))
}

async fn add_question(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<QuestionForm>,
) -> Result<Response, PageError> {
    let edit = form.kind().and_then(|kind| {
        Ok(VisionEdit::AddQuestion {
            prompt: form.prompt.clone(),
            help: form.help.clone(),
            kind,
            weight: form.weight()?,
        })
    });
    let result = match edit {
        Ok(edit) => state
            .app
            .edit_vision(&signed.actor, workspace_id, form.version, edit)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/w/{workspace_id}/vision"),
            "Question added.",
        )),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(
                &state,
                &signed,
                workspace_id,
                &FormErrors(errors),
                &form,
                None,
            )
            .await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

async fn edit_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    key: &str,
    form: Option<QuestionForm>,
    errors: &FormErrors,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let seen = state.app.vision(&signed.actor, workspace_id).await?;
    if !matches!(seen.role, Role::Owner | Role::Leader) {
        return Err(AppError::Forbidden.into());
    }
    let vision = seen.vision;
    let question = vision
        .questions
        .iter()
        .find(|q| q.key == key)
        .ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| QuestionForm::from_question(question, vision.version));
    Ok(page(
        "Edit question",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "vision"))
            div.card {
                h2 { "Edit question" }
                @if vision.frozen { p.badge.warn { "Saving makes version " (vision.number + 1) "; rounds keep the version they asked." } }
                (question_form(&format!("/w/{workspace_id}/vision/questions/{key}"), &form, errors, "Save question"))
            }
        },
    ))
}

async fn edit_question(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, key)): Path<(i64, String)>,
) -> Result<Markup, PageError> {
    edit_page(
        &state,
        &signed,
        workspace_id,
        &key,
        None,
        &FormErrors::default(),
    )
    .await
}

async fn update_question(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, key)): Path<(i64, String)>,
    PageForm(form): PageForm<QuestionForm>,
) -> Result<Response, PageError> {
    let edit = form.kind().and_then(|kind| {
        Ok(VisionEdit::UpdateQuestion {
            key: key.clone(),
            prompt: form.prompt.clone(),
            help: form.help.clone(),
            kind,
            weight: form.weight()?,
        })
    });
    let result = match edit {
        Ok(edit) => state
            .app
            .edit_vision(&signed.actor, workspace_id, form.version, edit)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/w/{workspace_id}/vision"),
            "Question saved.",
        )),
        Err(AppError::Invalid(errors)) => {
            let markup = edit_page(
                &state,
                &signed,
                workspace_id,
                &key,
                Some(form),
                &FormErrors(errors),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionForm {
    version: i64,
}

async fn remove_question(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, key)): Path<(i64, String)>,
    PageForm(form): PageForm<VersionForm>,
) -> Result<Response, PageError> {
    apply(
        &state,
        &signed,
        workspace_id,
        form.version,
        VisionEdit::RemoveQuestion { key },
        "Question removed.",
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveForm {
    version: i64,
    direction: String,
}

async fn move_question(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, key)): Path<(i64, String)>,
    PageForm(form): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    let up = match form.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::invalid("direction", "must be up or down").into()),
    };
    apply(
        &state,
        &signed,
        workspace_id,
        form.version,
        VisionEdit::MoveQuestion { key, up },
        "Question moved.",
    )
    .await
}

/// Reads the pillar editor's form: the rows in order, and which button
/// was pressed (move a row up, remove a row, or save).
fn pillar_form(fields: &[(String, String)]) -> Result<(i64, Vec<PillarRow>), AppError> {
    let mut version = None;
    let mut rows: Vec<PillarRow> = Vec::new();
    let (mut up, mut remove) = (None, None);
    let index = |v: &str| v.parse::<usize>().ok();
    for (name, value) in fields {
        match name.as_str() {
            "version" => version = value.parse::<i64>().ok(),
            "name" => rows.push(PillarRow {
                name: value.clone(),
                ..PillarRow::default()
            }),
            "weight" | "description" => {
                let Some(row) = rows.last_mut() else {
                    return Err(AppError::invalid(
                        "pillars",
                        "the form lost its rows; reload the page",
                    ));
                };
                if name == "weight" {
                    row.weight = value.clone();
                } else {
                    row.description = value.clone();
                }
            }
            "up" => up = index(value),
            "remove" => remove = index(value),
            _ => {}
        }
    }
    let version = version.ok_or_else(|| {
        AppError::invalid("version", "the form lost its version; reload the page")
    })?;
    rows.retain(|r| !r.is_blank());
    if let Some(i) = remove.filter(|i| *i < rows.len()) {
        rows.remove(i);
    }
    if let Some(i) = up.filter(|i| (1..rows.len()).contains(i)) {
        rows.swap(i - 1, i);
    }
    Ok((version, rows))
}

async fn set_pillars(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (version, rows) = pillar_form(&fields)?;
    let mut draft = PillarDraft {
        errors: rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| row.pillar().err().map(|e| (i, e)))
            .collect(),
        ..PillarDraft::default()
    };
    let status = if draft.errors.is_empty() {
        let pillars = rows.iter().filter_map(|r| r.pillar().ok()).collect();
        match state
            .app
            .edit_vision(
                &signed.actor,
                workspace_id,
                version,
                VisionEdit::SetPillars(pillars),
            )
            .await
        {
            Ok(_) => {
                return Ok(redirect_with_flash(
                    &format!("/w/{workspace_id}/vision#pillars"),
                    "Pillars saved.",
                ));
            }
            Err(AppError::Invalid(errors)) => {
                draft.general = Some(
                    errors
                        .iter()
                        .map(|e| capitalise(&e.message))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(AppError::Conflict(message)) => {
                draft.general = Some(format!(
                    "{}. Your rows are kept below: saving them replaces the pillars as they are now.",
                    capitalise(&message)
                ));
                StatusCode::CONFLICT
            }
            Err(other) => return Err(other.into()),
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    draft.rows = rows;
    let markup = render(
        &state,
        &signed,
        workspace_id,
        &FormErrors::default(),
        &QuestionForm::new_question(),
        Some(&draft),
    )
    .await?;
    Ok((status, markup).into_response())
}

async fn version(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, number)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let seen = state
        .app
        .vision_version(&signed.actor, workspace_id, number)
        .await?;
    Ok(page(
        &format!("Vision version {number}"),
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "vision"))
            p { a href={ "/w/" (workspace_id) "/vision" } { "← Current version" } }
            (vision_body(&seen, false, workspace_id, &[], &FormErrors::default(), &QuestionForm::default(), None))
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareQuery {
    from: i64,
    to: i64,
}

pub(crate) fn diff_body(diff: &VisionDiff) -> Markup {
    html! {
        @if diff.is_empty() {
            div.empty { "The two versions are the same." }
        }
        @for q in &diff.added { div.card { span.badge.ok { "Added" } " " strong { (q.prompt) } " " (kind_summary(&q.kind)) } }
        @for q in &diff.removed { div.card { span.badge.bad { "Removed" } " " strong { (q.prompt) } } }
        @for Change { old, new } in &diff.changed {
            div.card {
                span.badge.warn { "Changed" }
                div.side-by-side {
                    div { p.muted { "Before" } p { (old.prompt) } p.muted { (old.help) } p { (kind_summary(&old.kind)) " " (weight_badge(old.weight)) } }
                    div { p.muted { "After" } p { (new.prompt) } p.muted { (new.help) } p { (kind_summary(&new.kind)) " " (weight_badge(new.weight)) } }
                }
            }
        }
        @if diff.reordered { div.card { span.badge { "Reordered" } " The order of the questions changed." } }
        @for p in &diff.pillars_added { div.card { span.badge.ok { "Pillar added" } " " (p.name) " (" (p.weight) ")" } }
        @for p in &diff.pillars_removed { div.card { span.badge.bad { "Pillar removed" } " " (p.name) } }
        @for Change { old: o, new: n } in &diff.pillars_changed { div.card { span.badge.warn { "Pillar changed" } " " (o.name) ": weight " (o.weight) " → " (n.weight) @if o.description != n.description { "; description changed" } } }
    }
}

async fn compare(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    Query(query): Query<CompareQuery>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let (diff, hidden_by) = state
        .app
        .vision_diff(&signed.actor, workspace_id, query.from, query.to)
        .await?;
    Ok(page(
        "Compare versions",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "vision"))
            h2 { "Version " (query.from) " → version " (query.to) }
            @if let Some(round) = &hidden_by { (hidden_notice(workspace_id, round)) }
            (diff_body(&diff))
        },
    ))
}
