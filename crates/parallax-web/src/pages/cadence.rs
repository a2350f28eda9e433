//! The cadence page: rounds that open by themselves — the rule (quarterly,
//! twice a year or any RRULE), the zone and local time, the answering
//! window, the listening-session offset and the participants; a preview of
//! the next five occurrences in words and dates, each one skippable or
//! movable on its own.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_app::cadence::{CadenceInput, CadenceView, OccurrenceChange, local_moment, preset_of};
use parallax_domain::workspace::Role;

use super::layout::{Field, FormErrors, form_alert, page, workspace_nav};
use super::rounds::{form_ids, form_value};
use crate::auth::{SignedIn, redirect_with_flash};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/w/{workspace_id}/cadence", get(show).post(set)),
        ("/w/{workspace_id}/cadence/occurrences", post(change)),
        ("/w/{workspace_id}/cadence/remove", post(remove)),
    ]
}

/// The form's values: what was typed, else the cadence, else defaults.
fn input_of(view: &CadenceView, fields: Option<&[(String, String)]>) -> CadenceInput {
    if let Some(fields) = fields {
        let value = |name: &str| form_value(fields, name).unwrap_or("").to_owned();
        let preset = value("preset");
        return CadenceInput {
            rule: if preset == "custom" {
                value("rule")
            } else {
                preset
            },
            time_zone: value("time_zone"),
            first_date: value("first_date"),
            local_time: value("local_time"),
            answer_days: value("answer_days").trim().parse().unwrap_or(-1),
            session_days: Some(value("session_days"))
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().parse().unwrap_or(-1)),
            participants: form_ids(fields, "participant").unwrap_or_default(),
            version: value("version").parse().ok(),
        };
    }
    match &view.settings {
        Some(s) => CadenceInput {
            rule: preset_of(&s.rule).to_owned(),
            time_zone: s.time_zone.clone(),
            first_date: s.first_date.clone(),
            local_time: s.local_time.clone(),
            answer_days: s.answer_days,
            session_days: s.session_days,
            participants: s.participants.clone(),
            version: Some(s.version),
        },
        None => CadenceInput {
            rule: "quarterly".into(),
            time_zone: "Europe/Berlin".into(),
            first_date: String::new(),
            local_time: "09:00".into(),
            answer_days: 14,
            session_days: Some(3),
            participants: Vec::new(),
            version: None,
        },
    }
}

async fn cadence_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    errors: &FormErrors,
    typed: Option<&[(String, String)]>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let view = state.app.cadence(&signed.actor, workspace_id).await?;
    let members = state.app.members(&signed.actor, workspace_id).await?;
    let input = input_of(&view, typed);
    let base = format!("/w/{workspace_id}/cadence");
    let preset = match input.rule.as_str() {
        "quarterly" | "twice_a_year" => input.rule.clone(),
        _ => "custom".into(),
    };
    let answer_days = if input.answer_days > 0 {
        input.answer_days.to_string()
    } else {
        String::new()
    };
    let session_days = input
        .session_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    Ok(page(
        "Cadence",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&ws, "rounds"))
            h2 { "Cadence" }
            @if let Some(words) = &view.in_words {
                p #cadence-summary { "Rounds open " strong { (words) } " at " (input.local_time) " " (input.time_zone) "." }
            } @else {
                div.empty #cadence-empty { "No cadence yet: rounds open only when someone creates them. Set one to make alignment a habit." }
            }
            @if !view.left.is_empty() {
                div.card.notice role="status" {
                    p { (view.left.len()) " of the cadence's participants are no longer members: the next rounds go without them. Check the participants below." }
                }
            }
            @if !view.next.is_empty() {
                section.card #next-occurrences {
                    h2 { "The next five rounds" }
                    ol {
                        @for o in &view.next {
                            li {
                                strong { (o.local) }
                                @if o.moved { " " span.badge.warn { "moved" } }
                                @if view.can_manage {
                                    div.actions {
                                        form.inline method="post" action={ (base) "/occurrences" } data-confirm="Skip this round? The others stay." {
                                            input type="hidden" name="change" value="skip";
                                            input type="hidden" name="planned_at" value=(o.planned_at);
                                            button.secondary.small type="submit" aria-label={ "Skip the round of " (o.local) } { "Skip" }
                                        }
                                        form.inline method="post" action={ (base) "/occurrences" } {
                                            input type="hidden" name="change" value="move";
                                            input type="hidden" name="planned_at" value=(o.planned_at);
                                            input type="datetime-local" name="to" required aria-label={ "New date and time for the round of " (o.local) };
                                            button.secondary.small type="submit" { "Move" }
                                        }
                                        @if o.moved {
                                            form.inline method="post" action={ (base) "/occurrences" } {
                                                input type="hidden" name="change" value="restore";
                                                input type="hidden" name="planned_at" value=(o.planned_at);
                                                button.secondary.small type="submit" { "Back to its date" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !view.skipped.is_empty() {
                        p.muted { "Skipped:" }
                        ul {
                            @for o in &view.skipped {
                                li {
                                    (o.local)
                                    @if view.can_manage {
                                        " "
                                        form.inline method="post" action={ (base) "/occurrences" } {
                                            input type="hidden" name="change" value="restore";
                                            input type="hidden" name="planned_at" value=(o.planned_at);
                                            button.secondary.small type="submit" aria-label={ "Restore the round of " (o.local) } { "Restore" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if view.can_manage {
                section.card #cadence-form {
                    h2 { @if view.settings.is_some() { "Change the cadence" } @else { "Set a cadence" } }
                    (form_alert(errors, &["rule", "time_zone", "first_date", "local_time", "answer_days", "session_days", "participants", "to", "planned_at"]))
                    form.stack method="post" action=(base) novalidate {
                        @if let Some(version) = input.version { input type="hidden" name="version" value=(version); }
                        label for="f-preset" { "How often" }
                        select #f-preset name="preset" data-kind-select {
                            option value="quarterly" selected[preset == "quarterly"] { "Every quarter" }
                            option value="twice_a_year" selected[preset == "twice_a_year"] { "Twice a year" }
                            option value="custom" selected[preset == "custom"] { "Custom recurrence rule (RRULE)" }
                        }
                        div.kind-fields data-kinds="custom" {
                            (Field { label: "Recurrence rule", name: "rule", kind: "text", value: if preset == "custom" { &input.rule } else { "" }, hint: Some("RFC 5545, e.g. FREQ=MONTHLY;INTERVAL=4;BYDAY=1MO (the first Monday every four months)."), autocomplete: "off" }.render(errors))
                        }
                        (Field { label: "First round on", name: "first_date", kind: "date", value: &input.first_date, hint: Some("The rule counts from this date."), autocomplete: "off" }.render(errors))
                        (Field { label: "Opens at (local time)", name: "local_time", kind: "time", value: &input.local_time, hint: None, autocomplete: "off" }.render(errors))
                        (Field { label: "Time zone", name: "time_zone", kind: "text", value: &input.time_zone, hint: Some("An IANA name such as Europe/Berlin; rounds keep their local time across daylight-saving changes."), autocomplete: "off" }.render(errors))
                        (Field { label: "Days to answer", name: "answer_days", kind: "number", value: &answer_days, hint: Some("1 to 90; the round's due date."), autocomplete: "off" }.render(errors))
                        (Field { label: "Listening session, days after the due date", name: "session_days", kind: "number", value: &session_days, hint: Some("0 to 60; leave empty to plan it yourself."), autocomplete: "off" }.render(errors))
                        fieldset {
                            legend { "Participants besides you" }
                            @for m in members.iter().filter(|m| m.role != Role::Advisor && m.user_id != signed.actor.id()) {
                                label.inline {
                                    input type="checkbox" name="participant" value=(m.user_id) checked[input.participants.contains(&m.user_id)];
                                    (m.name) " (" (m.role.label()) ")"
                                }
                            }
                            @if let Some(error) = errors.get("participants") { p.error { (error) } }
                        }
                        div { button type="submit" { "Save cadence" } }
                    }
                    @if view.settings.is_some() {
                        form.inline method="post" action={ (base) "/remove" } data-confirm="Remove the cadence? Rounds already open stay; no new ones open by themselves." {
                            button.danger type="submit" { "Remove the cadence" }
                        }
                    }
                }
            }
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    cadence_page(&state, &signed, workspace_id, &FormErrors::default(), None).await
}

/// Re-renders the page with the error beside its field and the input kept.
async fn refused(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    err: AppError,
    typed: Option<&[(String, String)]>,
) -> Result<Response, PageError> {
    let (status, errors) = match err {
        AppError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        AppError::Conflict(message) => (
            StatusCode::CONFLICT,
            vec![parallax_domain::Invalid::new("version", message)],
        ),
        other => return Err(other.into()),
    };
    Ok((
        status,
        cadence_page(state, signed, workspace_id, &FormErrors(errors), typed).await?,
    )
        .into_response())
}

async fn set(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let view = state.app.cadence(&signed.actor, workspace_id).await?;
    let input = input_of(&view, Some(&fields));
    match state
        .app
        .set_cadence(&signed.actor, workspace_id, &input)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/w/{workspace_id}/cadence"),
            "Cadence saved: the next rounds are listed.",
        )),
        Err(err) => refused(&state, &signed, workspace_id, err, Some(&fields)).await,
    }
}

async fn change(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let view = state.app.cadence(&signed.actor, workspace_id).await?;
    let planned_at = form_value(&fields, "planned_at")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let change = match (form_value(&fields, "change"), &view.settings) {
        (Some("skip"), _) => Ok(OccurrenceChange::Skip { planned_at }),
        (Some("restore"), _) => Ok(OccurrenceChange::Restore { planned_at }),
        (Some("move"), Some(settings)) => {
            local_moment(settings, form_value(&fields, "to").unwrap_or(""))
                .map(|to| OccurrenceChange::Move { planned_at, to })
        }
        _ => Err(AppError::invalid("change", "choose skip, move or restore")),
    };
    let result = match change {
        Ok(change) => state
            .app
            .change_occurrence(&signed.actor, workspace_id, change)
            .await
            .map(|_| ()),
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/w/{workspace_id}/cadence"),
            "Done: the other rounds keep their dates.",
        )),
        Err(err) => refused(&state, &signed, workspace_id, err, None).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Response, PageError> {
    state
        .app
        .remove_cadence(&signed.actor, workspace_id)
        .await?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}/cadence"),
        "Cadence removed: rounds open only when someone creates them.",
    ))
}
