//! The gap register: the list, adding a gap (also from the listening
//! session), one gap with its decision, actions, comments and history,
//! proposals from the analysis, patterns across rounds, and "My actions".

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_app::gaps::{GapEdit, GapView, LoopCheck, NewAction, NewGapInput, Trend};
use parallax_domain::Invalid;
use parallax_domain::gap::{ActionKind, ActionStatus, GapStatus, Severity};
use parallax_domain::workspace::Role;
use parallax_store::ActionRecord;
use serde::Deserialize;

use super::layout::{FormErrors, count, dash, form_alert, page, when, workspace_nav};
use super::rounds::parse_date;
use crate::auth::{SignedIn, redirect_with_flash};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/w/{workspace_id}/gaps", get(list).post(create)),
        ("/w/{workspace_id}/gaps/new", get(new_form)),
        ("/w/{workspace_id}/gaps/proposals", get(proposals)),
        ("/w/{workspace_id}/gaps/proposals/accept", post(accept)),
        ("/w/{workspace_id}/gaps/proposals/dismiss", post(dismiss)),
        ("/w/{workspace_id}/gaps/patterns", get(patterns)),
        ("/w/{workspace_id}/gaps/{gap_id}", get(show).post(edit)),
        ("/w/{workspace_id}/gaps/{gap_id}/status", post(status)),
        ("/w/{workspace_id}/gaps/{gap_id}/actions", post(add_action)),
        (
            "/w/{workspace_id}/gaps/{gap_id}/actions/{action_id}",
            post(set_action),
        ),
        (
            "/w/{workspace_id}/gaps/{gap_id}/actions/{action_id}/comments",
            post(comment),
        ),
        ("/actions", get(my_actions)),
    ]
}

fn gap_url(workspace_id: i64, gap_id: i64) -> String {
    format!("/w/{workspace_id}/gaps/{gap_id}")
}

fn severity_badge(severity: Severity) -> Markup {
    let class = match severity {
        Severity::Low => "badge",
        Severity::Medium => "badge warn",
        Severity::High => "badge bad",
    };
    html! { span class=(class) { (severity.label()) } }
}

fn status_badge(status: GapStatus) -> Markup {
    let class = match status {
        GapStatus::Open => "badge bad",
        GapStatus::Decided => "badge warn",
        GapStatus::Closed => "badge ok",
        GapStatus::Accepted => "badge",
    };
    html! { span class=(class) { (status.label()) } }
}

fn gap_tabs(workspace_id: i64, current: &str, can_manage: bool) -> Markup {
    let mut tabs = vec![
        ("register", format!("/w/{workspace_id}/gaps"), "Register"),
        (
            "patterns",
            format!("/w/{workspace_id}/gaps/patterns"),
            "Patterns",
        ),
    ];
    if can_manage {
        tabs.push((
            "proposals",
            format!("/w/{workspace_id}/gaps/proposals"),
            "Proposals",
        ));
    }
    html! {
        nav.actions aria-label="Gaps" {
            @for (key, href, label) in tabs {
                a href=(href) aria-current=[(key == current).then_some("page")] { (label) }
            }
        }
    }
}

/// The "a later round shows it aligned" note, with a close button for those
/// who manage gaps.
fn loop_note(check: &LoopCheck, close: Option<(String, i64)>) -> Markup {
    html! {
        div class={ "loop " @if check.aligned { "ok" } @else { "warn" } } {
            @if check.aligned {
                span { "Aligned now in " strong { (check.round_title) } ": " (check.evidence) "." }
                @if let Some((action, version)) = close {
                    form.inline method="post" action=(action) {
                        input type="hidden" name="status" value="closed";
                        input type="hidden" name="version" value=(version);
                        button.small type="submit" { "Close gap" }
                    }
                }
            } @else {
                span { "Not aligned yet in " strong { (check.round_title) } ": " (check.evidence) "." }
            }
        }
    }
}

fn gap_rows(workspace_id: i64, gaps: &[&GapView], can_manage: bool) -> Markup {
    html! {
        table.responsive {
            thead { tr { th { "Gap" } th { "Severity" } th { "Status" } th { "From" } th { "People" } th { "Open actions" } } }
            tbody {
                @for g in gaps {
                    tr {
                        td {
                            a href=(gap_url(workspace_id, g.gap.id)) { (g.gap.title) }
                            @if let Some(check) = &g.loop_check {
                                (loop_note(check, can_manage.then(|| (format!("{}/status", gap_url(workspace_id, g.gap.id)), g.gap.version))))
                            }
                        }
                        td { (severity_badge(g.gap.severity)) }
                        td { (status_badge(g.gap.status)) }
                        td { (g.round_title) @if let Some(p) = &g.question_prompt { br; span.muted { (p) } } }
                        td { (g.people.join(", ")) }
                        td { (g.open_actions) }
                    }
                }
            }
        }
    }
}

async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let (gaps, role) = state.app.gaps(&signed.actor, workspace_id).await?;
    let can_manage = matches!(role, Role::Owner | Role::Leader);
    let (active, done): (Vec<&GapView>, Vec<&GapView>) =
        gaps.iter().partition(|g| g.gap.status.is_active());
    Ok(page(
        "Gaps",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "gaps"))
            (gap_tabs(workspace_id, "register", can_manage))
            @if role != Role::Advisor {
                p { a.button href={ "/w/" (workspace_id) "/gaps/new" } { "Add a gap" } }
            }
            h2 { "Open and decided" }
            @if active.is_empty() {
                div.empty { p { "No open gaps." } @if can_manage { p { "Look at the proposals: the analysis and your flags suggest gaps from revealed rounds." } } }
            } @else {
                (gap_rows(workspace_id, &active, can_manage))
            }
            @if !done.is_empty() {
                h2 { "Closed and accepted" }
                (gap_rows(workspace_id, &done, false))
            }
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewQuery {
    #[serde(default)]
    round: Option<i64>,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    participant: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GapForm {
    round: i64,
    #[serde(default)]
    question: String,
    #[serde(default)]
    participant: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    severity: String,
}

async fn gap_form_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    form: &GapForm,
    errors: &FormErrors,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let (rounds, _) = state.app.rounds(&signed.actor, workspace_id).await?;
    let revealed: Vec<_> = rounds.iter().filter(|r| r.state.is_revealed()).collect();
    let chosen = if form.round > 0 {
        Some(
            state
                .app
                .round(&signed.actor, workspace_id, form.round)
                .await?,
        )
    } else {
        None
    };
    let shown = ["title", "description", "severity"];
    Ok(page(
        "Add a gap",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "gaps"))
            h2 { "Add a gap" }
            @match chosen.filter(|v| v.round.state.is_revealed()) {
                None => {
                    @if revealed.is_empty() {
                        div.empty { "Gaps come from revealed rounds; none is revealed yet." }
                    } @else {
                        form.stack method="get" action={ "/w/" (workspace_id) "/gaps/new" } {
                            label { "Round" select name="round" { @for r in &revealed { option value=(r.id) { (r.title) } } } }
                            div { button type="submit" { "Continue" } }
                        }
                    }
                }
                Some(view) => {
                    (form_alert(errors, &shown))
                    form.stack method="post" action={ "/w/" (workspace_id) "/gaps" } {
                        input type="hidden" name="round" value=(view.round.id);
                        p.muted { "From " strong { (view.round.title) } }
                        label { "Question"
                            select name="question" {
                                option value="" { "— none in particular —" }
                                @for q in &view.vision.questions { option value=(q.key) selected[q.key == form.question] { (q.prompt) } }
                            }
                        }
                        label { "Whose reading differs"
                            select name="participant" {
                                option value="" { "— several people —" }
                                @for p in view.participants.iter().filter(|p| !p.excluded) { option value=(p.user_id) selected[p.user_id.to_string() == form.participant] { (p.name) } }
                            }
                        }
                        (text_field("Title", "title", &form.title, errors))
                        label { "Description" textarea name="description" rows="4" { (form.description) } }
                        (severity_select(form.severity.parse().unwrap_or(Severity::Medium)))
                        div { button type="submit" { "Add gap" } }
                    }
                }
            }
        },
    ))
}

fn text_field(label: &str, name: &str, value: &str, errors: &FormErrors) -> Markup {
    super::layout::Field {
        label,
        name,
        kind: "text",
        value,
        hint: None,
        autocomplete: "off",
    }
    .render(errors)
}

fn severity_select(current: Severity) -> Markup {
    html! {
        label { "Severity"
            select name="severity" {
                @for s in Severity::ALL { option value=(s.as_str()) selected[*s == current] { (s.label()) } }
            }
        }
    }
}

async fn new_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> Result<Markup, PageError> {
    state
        .app
        .authorize(
            &signed.actor,
            workspace_id,
            parallax_app::policy::Permission::AddGaps,
        )
        .await?;
    let form = GapForm {
        round: q.round.unwrap_or(0),
        question: q.question.unwrap_or_default(),
        participant: q.participant.map(|p| p.to_string()).unwrap_or_default(),
        severity: Severity::High.as_str().into(),
        ..GapForm::default()
    };
    gap_form_page(&state, &signed, workspace_id, &form, &FormErrors::default()).await
}

fn optional_id(raw: &str, field: &'static str) -> Result<Option<i64>, AppError> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "choose one from the list"))
}

async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<GapForm>,
) -> Result<Response, PageError> {
    let input = (|| {
        Ok::<_, AppError>(NewGapInput {
            round_id: form.round,
            question_key: Some(form.question.clone()).filter(|q| !q.is_empty()),
            participant_id: optional_id(&form.participant, "participant")?,
            title: form.title.clone(),
            description: form.description.clone(),
            severity: form.severity.parse()?,
        })
    })();
    let result = match input {
        Ok(input) => state.app.add_gap(&signed.actor, workspace_id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(gap) => Ok(redirect_with_flash(
            &gap_url(workspace_id, gap.id),
            "Gap added.",
        )),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            gap_form_page(&state, &signed, workspace_id, &form, &FormErrors(errors)).await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

fn action_row(
    base: &str,
    action: &ActionRecord,
    comments: &[&parallax_store::CommentRecord],
    may_update: bool,
    may_comment: bool,
) -> Markup {
    let overdue =
        action.status.is_open() && action.due_at.is_some_and(|d| d < parallax_store::now_ms());
    html! {
        li.action.overdue[overdue] {
            p {
                span.badge { (action.kind.label()) } " " strong { (action.title) }
                " · " (action.owner_name.as_deref().unwrap_or("(former member)"))
                @if let Some(due) = action.due_at { " · due " (when(due)) @if overdue { " " span.badge.bad { "overdue" } } }
                " · " (action.status.label())
            }
            @if may_update {
                form.inline method="post" action={ (base) "/actions/" (action.id) } {
                    input type="hidden" name="from" value=(action.status.as_str());
                    select name="status" aria-label="Action status" {
                        @for s in ActionStatus::ALL { option value=(s.as_str()) selected[*s == action.status] { (s.label()) } }
                    }
                    button.secondary.small type="submit" { "Set status" }
                }
            }
            @for c in comments {
                p.comment { strong { (c.author_name.as_deref().unwrap_or("(former member)")) ": " } (c.body) " " span.muted { (when(c.created_at)) } }
            }
            @if may_comment {
                form.inline method="post" action={ (base) "/actions/" (action.id) "/comments" } {
                    input type="text" name="comment" placeholder="Add a comment" aria-label={ "Comment on " (action.title) };
                    button.secondary.small type="submit" { "Comment" }
                }
            }
        }
    }
}

async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    gap_page(&state, &signed, workspace_id, gap_id, None).await
}

/// A form on the gap page that was refused: what was typed and why.
enum Draft<'a> {
    /// The "Add an action" form.
    Action(&'a ActionForm, FormErrors),
    /// The decision and status form.
    Decision(&'a StatusForm, FormErrors),
    /// The title, description and severity form.
    Edit(&'a EditForm, FormErrors),
}

impl Draft<'_> {
    fn errors(&self) -> &FormErrors {
        match self {
            Draft::Action(_, errors) | Draft::Decision(_, errors) | Draft::Edit(_, errors) => {
                errors
            }
        }
    }

    fn anchor(&self) -> &'static str {
        match self {
            Draft::Action(..) => "add-action",
            Draft::Decision(..) => "decision",
            Draft::Edit(..) => "edit-gap",
        }
    }
}

/// The gap page; with `draft`, the refused form again with what was typed,
/// each error beside its field and a summary at the top of the page.
async fn gap_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    gap_id: i64,
    draft: Option<Draft<'_>>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let d = state.app.gap(&signed.actor, workspace_id, gap_id).await?;
    let base = gap_url(workspace_id, gap_id);
    let me = signed.actor.id();
    let may_comment = ws.role != Role::Advisor;
    Ok(page(
        &d.gap.title,
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "gaps"))
            (gap_tabs(workspace_id, "register", d.can_manage))
            @if let Some(draft) = &draft {
                div.alert role="alert" #form-errors {
                    p { strong { "Not saved. " } a href={ "#" (draft.anchor()) } { "What you typed is kept below" } ", beside what needs a change:" }
                    ul { @for e in &draft.errors().0 { li { (super::layout::capitalise(&e.message)) } } }
                }
            }
            div.actions { h2 { (d.gap.title) } (severity_badge(d.gap.severity)) (status_badge(d.gap.status)) }
            p.muted {
                "From " a href={ "/w/" (workspace_id) "/rounds/" (d.gap.round_id) "/session" @if let Some(k) = &d.gap.question_key { "#q-" (k) } } { (d.view.round_title) }
                @if let Some(p) = &d.view.question_prompt { " · " (p) }
                @if !d.view.people.is_empty() { " · " (d.view.people.join(", ")) }
                @if let Some(theme) = &d.gap.theme { " · theme: " (theme) }
            }
            @if !d.gap.description.is_empty() { p.answer #gap-description { (d.gap.description) } }
            @if let Some(check) = &d.view.loop_check {
                (loop_note(check, d.can_manage.then(|| (format!("{base}/status"), d.gap.version))))
            }
            section.card #decision {
                h2 { "Decision" }
                @if d.gap.decision.is_empty() { p.muted { "No decision recorded yet." } } @else { p.answer { (d.gap.decision) } }
                @if d.can_manage {
                    @let (typed, errors) = match &draft { Some(Draft::Decision(form, errors)) => (Some(*form), Some(errors)), _ => (None, None) };
                    @let error = |field: &str| errors.and_then(|e| e.get(field));
                    @let chosen = typed.map_or(d.gap.status.as_str(), |t| t.status.as_str());
                    form.stack method="post" action={ (base) "/status" } {
                        input type="hidden" name="version" value=(d.gap.version);
                        label { "Decision"
                            textarea name="decision" rows="3" aria-invalid=[error("decision").map(|_| "true")] { (typed.and_then(|t| t.decision.as_deref()).unwrap_or(&d.gap.decision)) }
                            @if let Some(e) = error("decision") { span.field-error { (super::layout::capitalise(e)) } }
                        }
                        label { "Status"
                            select name="status" aria-describedby="status-help" aria-invalid=[error("status").map(|_| "true")] {
                                @for s in GapStatus::ALL { option value=(s.as_str()) selected[s.as_str() == chosen] { (s.label()) } }
                            }
                            @if let Some(e) = error("status") { span.field-error { (super::layout::capitalise(e)) } }
                        }
                        dl.status-help #status-help {
                            @for s in GapStatus::ALL { dt { (s.label()) } dd { (s.help()) } }
                        }
                        div { button type="submit" { "Save decision" } }
                    }
                }
            }
            section.card #actions {
                h2 { "Actions" }
                @if d.actions.is_empty() { p.muted { "No actions yet." } }
                ul.plain {
                    @for a in &d.actions {
                        @let comments: Vec<_> = d.comments.iter().filter(|c| c.action_id == a.id).collect();
                        (action_row(&base, a, &comments, d.can_manage || a.owner_id == Some(me), may_comment))
                    }
                }
                @if d.can_manage {
                    @let (typed, errors) = match &draft { Some(Draft::Action(form, errors)) => (Some(*form), Some(errors)), _ => (None, None) };
                    @let error = |field: &str| errors.and_then(|e| e.get(field));
                    form.stack #add-action method="post" action={ (base) "/actions" } {
                        h3 { "Add an action" }
                        @if let Some(errors) = errors {
                            div.alert role="alert" { "The action was not added: " (errors.0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")) ". What you typed is kept below." }
                        }
                        label { "Kind" select name="kind" { @for k in ActionKind::ALL { option value=(k.as_str()) selected[typed.is_some_and(|t| t.kind == k.as_str())] { (k.label()) } } } }
                        label { "What is to be done" input type="text" name="title" value=(typed.map_or("", |t| t.title.as_str())) aria-invalid=[error("title").map(|_| "true")]; }
                        @if let Some(e) = error("title") { span.field-error { (super::layout::capitalise(e)) } }
                        label { "Owner" select name="owner" { @for m in &d.assignable { option value=(m.user_id) selected[typed.is_some_and(|t| t.owner == m.user_id.to_string())] { (m.name) " (" (m.role.label()) ")" } } } }
                        @if let Some(e) = error("owner") { span.field-error { (super::layout::capitalise(e)) } }
                        label { "Due" input type="date" name="due" value=(typed.map_or("", |t| t.due.as_str())); }
                        @if let Some(e) = error("due").or(error("due_at")) { span.field-error { (super::layout::capitalise(e)) } }
                        div { button type="submit" { "Add action" } }
                    }
                }
            }
            @if d.can_manage {
                @let (typed, errors) = match &draft { Some(Draft::Edit(form, errors)) => (Some(*form), Some(errors)), _ => (None, None) };
                @let error = |field: &str| errors.and_then(|e| e.get(field));
                details #edit-gap open[typed.is_some()] {
                    summary { "Edit title, description, severity" }
                    form.stack method="post" action=(base) {
                        input type="hidden" name="version" value=(d.gap.version);
                        label { "Title" input type="text" name="title" value=(typed.map_or(d.gap.title.as_str(), |t| t.title.as_str())) aria-invalid=[error("title").map(|_| "true")];
                            @if let Some(e) = error("title") { span.field-error { (super::layout::capitalise(e)) } } }
                        label { "Description" textarea name="description" rows="4" aria-invalid=[error("description").map(|_| "true")] { (typed.map_or(d.gap.description.as_str(), |t| t.description.as_str())) }
                            @if let Some(e) = error("description") { span.field-error { (super::layout::capitalise(e)) } } }
                        (severity_select(typed.and_then(|t| t.severity.parse().ok()).unwrap_or(d.gap.severity)))
                        div { button.secondary type="submit" { "Save changes" } }
                    }
                }
            }
            section.card #history {
                h2 { "History" }
                ul { @for e in &d.history { li { (when(e.at)) " · " (e.actor_name.as_deref().unwrap_or("(former member)")) ": " (e.what) } } }
            }
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditForm {
    version: i64,
    title: String,
    #[serde(default)]
    description: String,
    severity: String,
}

async fn edit(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<EditForm>,
) -> Result<Response, PageError> {
    let edit = GapEdit {
        version: Some(form.version),
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        severity: Some(form.severity.parse().map_err(AppError::from)?),
        ..GapEdit::default()
    };
    match state
        .app
        .edit_gap(&signed.actor, workspace_id, gap_id, &edit)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &gap_url(workspace_id, gap_id),
            "Gap saved.",
        )),
        Err(AppError::Invalid(list)) => {
            let draft = Draft::Edit(&form, FormErrors(list));
            let page = gap_page(&state, &signed, workspace_id, gap_id, Some(draft)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusForm {
    version: i64,
    status: String,
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    confirm: Option<String>,
}

async fn status(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response, PageError> {
    let status: GapStatus = form.status.parse().map_err(AppError::from)?;
    let edit = GapEdit {
        version: Some(form.version),
        status: Some(status),
        decision: form.decision.clone(),
        confirm: form.confirm.is_some(),
        ..GapEdit::default()
    };
    let url = gap_url(workspace_id, gap_id);
    match state
        .app
        .edit_gap(&signed.actor, workspace_id, gap_id, &edit)
        .await
    {
        Ok(gap) => Ok(redirect_with_flash(
            &url,
            &format!("Saved: the gap is {}.", gap.status.label().to_lowercase()),
        )),
        Err(AppError::Conflict(_)) if status == GapStatus::Closed && !edit.confirm => {
            let ws = state.app.workspace(&signed.actor, workspace_id).await?;
            let d = state.app.gap(&signed.actor, workspace_id, gap_id).await?;
            let open: Vec<&ActionRecord> =
                d.actions.iter().filter(|a| a.status.is_open()).collect();
            Ok((
                StatusCode::CONFLICT,
                page(
                    "Close this gap?",
                    Some(&signed.actor),
                    None,
                    html! {
                        (workspace_nav(&ws, "gaps"))
                        div.card #confirm-close {
                            h2 { "Close “" (d.gap.title) "”?" }
                            p { "These actions are not done yet. Are they done?" }
                            ul { @for a in &open { li { span.badge { (a.kind.label()) } " " (a.title) " · " (a.owner_name.as_deref().unwrap_or("")) " · " (a.status.label()) } } }
                            form.inline method="post" action={ (url) "/status" } {
                                input type="hidden" name="version" value=(d.gap.version);
                                input type="hidden" name="status" value="closed";
                                @if let Some(decision) = &form.decision { input type="hidden" name="decision" value=(decision); }
                                input type="hidden" name="confirm" value="1";
                                button type="submit" { "Close anyway" }
                                a.button.secondary href=(url) { "Back to the gap" }
                            }
                        }
                    },
                ),
            )
                .into_response())
        }
        Err(AppError::Invalid(list)) => {
            let draft = Draft::Decision(&form, FormErrors(list));
            let page = gap_page(&state, &signed, workspace_id, gap_id, Some(draft)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AppError::Stale(_)) => {
            let stale = Invalid::new(
                "version",
                "someone changed this gap in the meantime: the page shows it as it is now; save again to replace it with what you typed",
            );
            let draft = Draft::Decision(&form, FormErrors(vec![stale]));
            let page = gap_page(&state, &signed, workspace_id, gap_id, Some(draft)).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionForm {
    kind: String,
    title: String,
    owner: String,
    #[serde(default)]
    due: String,
}

async fn add_action(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, gap_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let added = async {
        let new = NewAction {
            kind: form.kind.parse().map_err(AppError::from)?,
            title: form.title.clone(),
            owner_id: optional_id(&form.owner, "owner")?
                .ok_or_else(|| AppError::invalid("owner", "choose who does it"))?,
            due_at: parse_date(&form.due)?,
        };
        state
            .app
            .add_action(&signed.actor, workspace_id, gap_id, &new)
            .await
    };
    match added.await {
        Ok(_) => Ok(redirect_with_flash(
            &format!("{}#actions", gap_url(workspace_id, gap_id)),
            "Action added.",
        )),
        Err(AppError::Invalid(list)) => {
            let draft = Draft::Action(&form, FormErrors(list));
            let page = gap_page(&state, &signed, workspace_id, gap_id, Some(draft)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionStatusForm {
    from: String,
    status: String,
    /// "mine" when set from "My actions": the person stays on that list.
    #[serde(default)]
    back: Option<String>,
}

async fn set_action(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, gap_id, action_id)): Path<(i64, i64, i64)>,
    PageForm(form): PageForm<ActionStatusForm>,
) -> Result<Response, PageError> {
    let status: ActionStatus = form.status.parse().map_err(AppError::from)?;
    let from: ActionStatus = form.from.parse().map_err(AppError::from)?;
    state
        .app
        .set_action_status(
            &signed.actor,
            workspace_id,
            gap_id,
            action_id,
            (from, status),
        )
        .await?;
    let back = match form.back.as_deref() {
        Some("mine") => "/actions".to_owned(),
        _ => format!("{}#actions", gap_url(workspace_id, gap_id)),
    };
    Ok(redirect_with_flash(&back, "Action updated."))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentForm {
    comment: String,
}

async fn comment(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, gap_id, action_id)): Path<(i64, i64, i64)>,
    PageForm(form): PageForm<CommentForm>,
) -> Result<Response, PageError> {
    state
        .app
        .comment_action(
            &signed.actor,
            workspace_id,
            gap_id,
            action_id,
            &form.comment,
        )
        .await?;
    Ok(redirect_with_flash(
        &format!("{}#actions", gap_url(workspace_id, gap_id)),
        "Comment added.",
    ))
}

async fn proposals(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let proposals = state.app.gap_proposals(&signed.actor, workspace_id).await?;
    Ok(page(
        "Proposed gaps",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "gaps"))
            (gap_tabs(workspace_id, "proposals", true))
            p.muted { "Suggested from misaligned flags, low analysis scores, one-sided claims and contradictions (negations, opposite positions, figures) in revealed rounds. Nothing is proposed twice, and nothing that is already an open gap." }
            @if proposals.is_empty() { div.empty { "No proposals right now." } }
            @for p in &proposals {
                section.card.proposal {
                    p.muted { (p.round_title) " · " (p.question_prompt) " · " (p.participant_name) @if let Some(t) = &p.theme { " · theme: " (t) } }
                    form.stack method="post" action={ "/w/" (workspace_id) "/gaps/proposals/accept" } {
                        input type="hidden" name="round" value=(p.round_id);
                        input type="hidden" name="key" value=(p.key);
                        label { "Title" input type="text" name="title" value=(p.title); }
                        label { "Description" textarea name="description" rows="3" { (p.description) } }
                        (severity_select(p.severity))
                        div.actions {
                            button type="submit" { "Accept as gap" }
                            button.secondary type="submit" formaction={ "/w/" (workspace_id) "/gaps/proposals/dismiss" } { "Dismiss" }
                        }
                    }
                }
            }
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalForm {
    round: i64,
    key: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    severity: Option<String>,
}

async fn accept(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<ProposalForm>,
) -> Result<Response, PageError> {
    let edits = GapEdit {
        title: form.title,
        description: form.description,
        severity: form
            .severity
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(AppError::from)?,
        ..GapEdit::default()
    };
    let gap = state
        .app
        .accept_proposal(&signed.actor, workspace_id, form.round, &form.key, &edits)
        .await?;
    Ok(redirect_with_flash(
        &gap_url(workspace_id, gap.id),
        "Proposal accepted: the gap is in the register.",
    ))
}

async fn dismiss(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<ProposalForm>,
) -> Result<Response, PageError> {
    state
        .app
        .dismiss_proposal(&signed.actor, workspace_id, form.round, &form.key)
        .await?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}/gaps/proposals"),
        "Proposal dismissed; it will not be proposed again.",
    ))
}

fn trend_badge(trend: Trend) -> Markup {
    let class = match trend {
        Trend::Growing => "badge bad",
        Trend::Shrinking => "badge ok",
        Trend::Steady => "badge",
    };
    html! { span class=(class) { (trend.label()) } }
}

async fn patterns(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let patterns = state.app.gap_patterns(&signed.actor, workspace_id).await?;
    let can_manage = matches!(ws.role, Role::Owner | Role::Leader);
    Ok(page(
        "Patterns",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "gaps"))
            (gap_tabs(workspace_id, "patterns", can_manage))
            p.muted { "Gaps that come back across questions, people and rounds. Growing or shrinking compares the latest revealed round with the one before." }
            @if patterns.is_empty() {
                div.empty { "No recurring gaps yet: a pattern needs the same gap from two places." }
            } @else {
                table.responsive #patterns {
                    thead { tr { th { "Pattern" } th { "How often" } th { "Since" } th { "Latest vs previous round" } } }
                    tbody {
                        @for p in &patterns {
                            tr {
                                td {
                                    strong { (p.label) }
                                    ul { @for g in &p.gaps { li { a href=(gap_url(workspace_id, g.id)) { (g.title) } " · " span.muted { (g.round_title) } } } }
                                }
                                td { (count(p.gaps.len(), "gap", "gaps")) " · " (count(p.rounds, "round", "rounds")) " · " (count(p.participants, "person", "people")) }
                                td { @if p.since > 0 { (when(p.since)) } @else { (dash()) } }
                                td { (trend_badge(p.trend)) " " (p.in_latest_round) " vs " (p.in_previous_round) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

async fn my_actions(State(state): State<AppState>, signed: SignedIn) -> Result<Markup, PageError> {
    let actions = state.app.my_actions(&signed.actor).await?;
    let to_answer = state.app.rounds_to_answer(&signed.actor).await?;
    let now = parallax_store::now_ms();
    Ok(page(
        "My actions",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            h1 { "My actions" }
            @if !to_answer.is_empty() {
                section.card #answers-waiting {
                    h2 { "Answers waiting for you" }
                    ul { @for (workspace, r) in &to_answer {
                        li { a href={ "/w/" (r.workspace_id) "/rounds/" (r.id) "/answer" } { "Answer “" (r.title) "”" } " " span.muted { (workspace) }
                            @if let Some(due) = r.due_at { " · due " (when(due)) } }
                    } }
                }
            }
            p.muted { "Your open actions in every workspace, soonest due first." }
            @if actions.is_empty() {
                div.empty { "Nothing open for you." }
            } @else {
                table.responsive #my-actions {
                    thead { tr { th { "Action" } th { "Kind" } th { "Gap" } th { "Due" } th { "Status" } } }
                    tbody {
                        @for o in &actions {
                            @let overdue = o.action.due_at.is_some_and(|d| d < now);
                            tr.overdue[overdue] {
                                td { (o.action.title) }
                                td { (o.action.kind.label()) }
                                td { a href=(gap_url(o.workspace_id, o.action.gap_id)) { (o.gap_title) } br; span.muted { (o.workspace_name) } }
                                td { @if let Some(d) = o.action.due_at { (when(d)) @if overdue { " " span.badge.bad { "overdue" } } } @else { (dash()) } }
                                td {
                                    form.inline method="post" action={ (gap_url(o.workspace_id, o.action.gap_id)) "/actions/" (o.action.id) } {
                                        input type="hidden" name="from" value=(o.action.status.as_str());
                                        input type="hidden" name="back" value="mine";
                                        select name="status" aria-label="Action status" {
                                            @for s in ActionStatus::ALL { option value=(s.as_str()) selected[*s == o.action.status] { (s.label()) } }
                                        }
                                        button.secondary.small type="submit" { "Set" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}
