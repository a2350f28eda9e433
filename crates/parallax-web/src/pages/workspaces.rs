//! Workspaces: the list, one workspace, its members and invitations, its audit log.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use parallax_app::AppError;
use parallax_domain::workspace::Role;
use serde::Deserialize;

use super::layout::{Field, FormErrors, count, form_alert, page, when, workspace_nav};
use crate::auth::{SignedIn, redirect_with_flash};
use crate::error::{PageError, PageForm};
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![
        ("/w", get(list).post(create)),
        ("/w/{workspace_id}", get(overview)),
        ("/w/{workspace_id}/members", get(members)),
        ("/w/{workspace_id}/members/{user_id}/role", post(set_role)),
        (
            "/w/{workspace_id}/members/{user_id}/remove",
            post(remove_member),
        ),
        ("/w/{workspace_id}/invites", post(create_invite)),
        (
            "/w/{workspace_id}/invites/{invite_id}/revoke",
            post(revoke_invite),
        ),
        ("/w/{workspace_id}/audit", get(audit)),
        ("/w/{workspace_id}/settings/analysis", post(set_analysis)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameForm {
    #[serde(default)]
    name: String,
}

async fn list_page(
    state: &AppState,
    signed: &SignedIn,
    form: &NameForm,
    errors: &FormErrors,
) -> Result<Markup, PageError> {
    let memberships = state.app.my_workspaces(&signed.actor).await?;
    Ok(page(
        "Workspaces",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            h1 { "Your workspaces" }
            @if memberships.is_empty() {
                div.empty { p { "You are not in any workspace yet. Create one below, or open an invitation link you were sent." } }
            } @else {
                div.grid {
                    @for m in &memberships {
                        a.card href={ "/w/" (m.workspace.id) } {
                            strong { (m.workspace.name) }
                            br;
                            span.muted { (m.role.label()) }
                        }
                    }
                }
            }
            div.card {
                h2 { "Create a workspace" }
                (form_alert(errors, &["name"]))
                form.stack method="post" action="/w" {
                    (Field { label: "Name", name: "name", kind: "text", value: &form.name, hint: Some("Your company or team."), autocomplete: "organization" }.render(errors))
                    div { button type="submit" { "Create workspace" } }
                }
            }
        },
    ))
}

async fn list(State(state): State<AppState>, signed: SignedIn) -> Result<Markup, PageError> {
    list_page(
        &state,
        &signed,
        &NameForm::default(),
        &FormErrors::default(),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    PageForm(form): PageForm<NameForm>,
) -> Result<Response, PageError> {
    match state.app.create_workspace(&signed.actor, &form.name).await {
        Ok(workspace) => Ok(redirect_with_flash(
            &format!("/w/{}", workspace.id),
            "Workspace created.",
        )),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            list_page(&state, &signed, &form, &FormErrors(errors)).await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

async fn overview(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let members = state.app.members(&signed.actor, workspace_id).await?;
    let agenda = state.app.agenda_in(&signed.actor, workspace_id).await?;
    Ok(page(
        &view.workspace.name,
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "overview"))
            section.card #waiting {
                h2 { "Waiting for you here" }
                @if agenda.is_empty() {
                    p.muted { "Nothing right now." }
                } @else {
                    (super::home::agenda_items(&agenda, parallax_store::now_ms()))
                }
            }
            div.grid {
                div.card #analysis-setting {
                    h2 { "Analysis" }
                    p { @if view.analysis_enabled { "On: revealed rounds are compared by meaning on this server." } @else { "Off: no answer is analysed." } }
                    p.muted { "The text model runs inside Parallax; no answer leaves the server." }
                    @if view.role == Role::Owner {
                        form.inline method="post" action={ "/w/" (workspace_id) "/settings/analysis" } {
                            input type="hidden" name="enabled" value=(if view.analysis_enabled { "off" } else { "on" });
                            button.secondary type="submit" { @if view.analysis_enabled { "Switch analysis off" } @else { "Switch analysis on" } }
                        }
                    }
                }
                div.card {
                    h2 { "People" }
                    p { (count(members.len(), "member", "members")) }
                    a href={ "/w/" (workspace_id) "/members" } { "See members" }
                }
            }
        },
    ))
}

async fn members_page(
    state: &AppState,
    signed: &SignedIn,
    workspace_id: i64,
    new_link: Option<&str>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let members = state.app.members(&signed.actor, workspace_id).await?;
    let owner = view.role == Role::Owner;
    let invites = if owner {
        state.app.open_invites(&signed.actor, workspace_id).await?
    } else {
        Vec::new()
    };
    Ok(page(
        &format!("Members of {}", view.workspace.name),
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "members"))
            table.responsive #members {
                thead { tr { th { "Name" } th { "E-mail" } th { "Role" } th { "Joined" } @if owner { th {} } } }
                tbody {
                    @for m in &members {
                        tr {
                            td { (m.name) @if m.user_id == signed.actor.id() { " " span.badge { "you" } } }
                            td { (m.email) }
                            td {
                                @if owner {
                                    form.inline method="post" action={ "/w/" (workspace_id) "/members/" (m.user_id) "/role" } {
                                        select name="role" aria-label={ "Role of " (m.name) } {
                                            @for role in Role::ALL {
                                                option value=(role.as_str()) selected[role == m.role] { (role.label()) }
                                            }
                                        }
                                        button.secondary.small type="submit" { "Change" }
                                    }
                                } @else {
                                    (m.role.label())
                                }
                            }
                            td { (when(m.joined_at)) }
                            @if owner {
                                td {
                                    form.inline method="post" action={ "/w/" (workspace_id) "/members/" (m.user_id) "/remove" }
                                        data-confirm={ "Remove " (m.name) " from this workspace? They lose access to it at once." } {
                                        button.danger.small type="submit" { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if owner {
                div.card {
                    h2 { "Invite someone" }
                    p.muted { "An invitation link works once, for 7 days. Anyone with the link can join with the role you choose — also people from another company." }
                    @if let Some(link) = new_link {
                        div.flash role="status" {
                            p { "Send this link to the person you invite. It is shown only now." }
                            div.copy {
                                input #invite-link type="text" readonly value=(link);
                                button.secondary type="button" data-copy="invite-link" { "Copy" }
                            }
                        }
                    }
                    form.inline method="post" action={ "/w/" (workspace_id) "/invites" } {
                        label for="invite-role" { "Role" }
                        select #invite-role name="role" {
                            @for role in Role::ALL {
                                option value=(role.as_str()) selected[role == Role::TechLead] { (role.label()) }
                            }
                        }
                        button type="submit" { "Create invitation link" }
                    }
                    @if !invites.is_empty() {
                        h2 { "Open invitations" }
                        table.responsive {
                            thead { tr { th { "Role" } th { "Created" } th { "Expires" } th {} } }
                            tbody {
                                @for invite in &invites {
                                    tr {
                                        td { (invite.role.label()) }
                                        td { (when(invite.created_at)) }
                                        td { (when(invite.expires_at)) }
                                        td {
                                            form.inline method="post" action={ "/w/" (workspace_id) "/invites/" (invite.id) "/revoke" } {
                                                button.danger.small type="submit" { "Revoke" }
                                            }
                                        }
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

async fn members(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    members_page(&state, &signed, workspace_id, None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleForm {
    role: String,
}

fn parse_role(raw: &str) -> Result<Role, PageError> {
    raw.parse::<Role>()
        .map_err(|e| PageError::App(AppError::Invalid(vec![e])))
}

async fn set_role(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, user_id)): Path<(i64, i64)>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    let role = parse_role(&form.role)?;
    state
        .app
        .set_role(&signed.actor, workspace_id, user_id, role)
        .await?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}/members"),
        "Role changed.",
    ))
}

async fn remove_member(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, user_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state
        .app
        .remove_member(&signed.actor, workspace_id, user_id)
        .await?;
    let to = if user_id == signed.actor.id() {
        "/login".to_owned()
    } else {
        format!("/w/{workspace_id}/members")
    };
    Ok(redirect_with_flash(&to, "Member removed."))
}

async fn create_invite(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    let role = parse_role(&form.role)?;
    let (_, secret) = state
        .app
        .create_invite(&signed.actor, workspace_id, role)
        .await?;
    let link = format!("{}/invite/{secret}", crate::public_base(&state, &headers));
    Ok((
        StatusCode::CREATED,
        members_page(&state, &signed, workspace_id, Some(&link)).await?,
    )
        .into_response())
}

async fn revoke_invite(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((workspace_id, invite_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state
        .app
        .revoke_invite(&signed.actor, workspace_id, invite_id)
        .await?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}/members"),
        "Invitation revoked.",
    ))
}

async fn audit(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    let view = state.app.workspace(&signed.actor, workspace_id).await?;
    let entries = state.app.audit_log(&signed.actor, workspace_id).await?;
    Ok(page(
        "Audit log",
        Some(&signed.actor),
        signed.flash.as_deref(),
        html! {
            (workspace_nav(&view, "audit"))
            @if entries.is_empty() {
                div.empty { "Nothing has happened yet." }
            } @else {
                table.responsive {
                    thead { tr { th { "When" } th { "Who" } th { "What" } } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { (when(e.at)) }
                                td { (e.actor_name.as_deref().unwrap_or("(deleted account)")) }
                                td { code { (e.action) } " " (e.detail) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisForm {
    enabled: String,
}

async fn set_analysis(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
    PageForm(form): PageForm<AnalysisForm>,
) -> Result<Response, PageError> {
    let enabled = match form.enabled.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("enabled", "must be on or off").into()),
    };
    state
        .app
        .set_analysis_enabled(&signed.actor, workspace_id, enabled)
        .await?;
    Ok(redirect_with_flash(
        &format!("/w/{workspace_id}"),
        if enabled {
            "Analysis switched on."
        } else {
            "Analysis switched off."
        },
    ))
}
