//! The vision page: questions and pillars, editing, versions and their
//! comparison.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_app::rounds::VisionEdit;
use parallax_domain::vision::{
    Change, DEFAULT_QUESTION_WEIGHT, MAX_QUESTION_WEIGHT, Pillar, Question, QuestionKind,
    VisionDiff, invalid_weight,
};
use parallax_domain::workspace::Role;
use parallax_store::VisionRecord;
use serde::Deserialize;

use super::layout::{FormErrors, form_alert, page, workspace_nav};
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
    /// Text, so that an emptied number field is a field error, not a
    /// rejected form.
    #[serde(default)]
    pub weight: String,
}

impl QuestionForm {
    pub(crate) fn kind(&self) -> Result<QuestionKind, AppError> {
        Ok(QuestionKind::parse(
            &self.kind,
            &self.options,
            &self.unit,
            self.min.unwrap_or(1),
            self.max.unwrap_or(5),
            &self.min_label,
            &self.max_label,
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
        QuestionForm {
            version,
            prompt: q.prompt.clone(),
            help: q.help.clone(),
            kind: q.kind.name().to_owned(),
            options: q.kind.options().join("\n"),
            unit: match &q.kind {
                QuestionKind::Number { unit } => unit.clone(),
                _ => String::new(),
            },
            min,
            max,
            min_label,
            max_label,
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
    html! {
        (form_alert(errors, &["prompt", "help", "kind", "options", "unit", "min", "max", "min_label", "max_label", "weight"]))
        form.stack method="post" action=(action) {
            input type="hidden" name="version" value=(form.version);
            label { "Question"
                input type="text" name="prompt" value=(form.prompt) required;
                @if let Some(e) = err("prompt") { span.field-error { (e) } }
            }
            label { "Help text" span.hint { "What a good answer contains." }
                textarea name="help" rows="2" { (form.help) }
                @if let Some(e) = err("help") { span.field-error { (e) } }
            }
            label { "Kind of answer"
                select name="kind" {
                    @for (value, label) in KINDS {
                        option value=(value) selected[form.kind == value || (form.kind.is_empty() && value == "text")] { (label) }
                    }
                }
            }
            label { "Options" span.hint { "For ranking and choice questions: one option per line." }
                textarea name="options" rows="4" { (form.options) }
                @if let Some(e) = err("options") { span.field-error { (e) } }
            }
            label { "Unit" span.hint { "For numbers, e.g. \"paying customers\"." }
                input type="text" name="unit" value=(form.unit);
                @if let Some(e) = err("unit") { span.field-error { (e) } }
            }
            div.side-by-side {
                label { "Scale from" input type="number" name="min" value=(form.min.unwrap_or(1)); }
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

pub(crate) fn kind_summary(kind: &QuestionKind) -> Markup {
    html! {
        span.badge { (kind.label()) }
        @match kind {
            QuestionKind::Ranking { options } | QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                " " span.muted { (options.join(" · ")) }
            }
            QuestionKind::Number { unit } => { " " span.muted { "in " (unit) } }
            QuestionKind::Scale { min, max, min_label, max_label } => {
                " " span.muted { (min) " (" (min_label) ") to " (max) " (" (max_label) ")" }
            }
            QuestionKind::Text => {}
        }
    }
}

fn weight_badge(weight: i64) -> Markup {
    html! { span.badge { "counts ×" (weight) } }
}

fn pillars_text(pillars: &[Pillar]) -> String {
    pillars
        .iter()
        .map(|p| format!("{} | {} | {}", p.name, p.weight, p.description))
        .collect::<Vec<_>>()
        .join("\n")
}

fn vision_body(
    vision: &VisionRecord,
    can_edit: bool,
    workspace_id: i64,
    versions: &[VisionRecord],
    errors: &FormErrors,
    new_question: &QuestionForm,
    pillars_draft: Option<&str>,
) -> Markup {
    let base = format!("/w/{workspace_id}/vision");
    html! {
        div.actions {
            h2 { "Version " (vision.number) }
            @if vision.frozen { span.badge.warn { "In use by a round — the next change makes version " (vision.number + 1) } }
        }
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
            @if can_edit {
                details {
                    summary { "Edit pillars" }
                    form.stack method="post" action={ (base) "/pillars" } {
                        input type="hidden" name="version" value=(vision.version);
                        label { "One pillar per line: name | weight (1–100) | description"
                            textarea name="pillars" rows="5" { (pillars_draft.map(str::to_owned).unwrap_or_else(|| pillars_text(&vision.pillars))) }
                        }
                        @if let Some(e) = errors.0.iter().find(|e| e.field == "pillars" || e.field == "weight" || e.field == "name") {
                            p.field-error { (super::layout::capitalise(&e.message)) }
                        }
                        div { button type="submit" { "Save pillars" } }
                    }
                }
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
    pillars_draft: Option<&str>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let (vision, role) = state.app.vision(&signed.actor, workspace_id).await?;
    let versions = state
        .app
        .vision_versions(&signed.actor, workspace_id)
        .await?;
    let can_edit = matches!(role, Role::Owner | Role::Leader);
    Ok(page(
        "Vision",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "vision"))
            (vision_body(&vision, can_edit, workspace_id, &versions, errors, new_question, pillars_draft))
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
        &QuestionForm::default(),
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
    let (vision, role) = state.app.vision(&signed.actor, workspace_id).await?;
    if !matches!(role, Role::Owner | Role::Leader) {
        return Err(AppError::Forbidden.into());
    }
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PillarsForm {
    version: i64,
    #[serde(default)]
    pillars: String,
}

/// Parses "name | weight | description" lines.
pub(crate) fn parse_pillars(text: &str) -> Result<Vec<Pillar>, AppError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.splitn(3, '|').map(str::trim);
            let name = parts.next().unwrap_or("");
            let weight = parts.next().unwrap_or("").parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "pillars",
                    format!(
                        "\"{line}\": write name | weight | description, with a weight from 1 to 100"
                    ),
                )
            })?;
            Ok(Pillar::new(name, parts.next().unwrap_or(""), weight)?)
        })
        .collect()
}

async fn set_pillars(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<PillarsForm>,
) -> Result<Response, PageError> {
    let result = match parse_pillars(&form.pillars) {
        Ok(pillars) => state
            .app
            .edit_vision(
                &signed.actor,
                workspace_id,
                form.version,
                VisionEdit::SetPillars(pillars),
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/w/{workspace_id}/vision"),
            "Pillars saved.",
        )),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(
                &state,
                &signed,
                workspace_id,
                &FormErrors(errors),
                &QuestionForm::default(),
                Some(&form.pillars),
            )
            .await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

async fn version(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, number)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let vision = state
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
            (vision_body(&vision, false, workspace_id, &[], &FormErrors::default(), &QuestionForm::default(), None))
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
    let diff = state
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
            (diff_body(&diff))
        },
    ))
}
