//! The home page: what waits for the signed-in person in every workspace,
//! each item one click away.

use maud::{Markup, html};
use parallax_app::Actor;
use parallax_app::agenda::WorkspaceAgenda;
use parallax_domain::round::is_overdue;

use super::layout::{count, page, when};
use crate::AppState;
use crate::error::PageError;

/// The items of one workspace's agenda, as a list of links.
pub(crate) fn agenda_items(agenda: &WorkspaceAgenda, now: i64) -> Markup {
    let w = agenda.workspace.id;
    html! {
        ul.agenda {
            @for r in &agenda.to_answer {
                li.to-answer {
                    a href={ "/w/" (w) "/rounds/" (r.id) "/answer" } { "Answer “" (r.title) "”" }
                    @if let Some(due) = r.due_at {
                        " " span.muted { "due " (when(due)) }
                        @if is_overdue(r.state, r.due_at, now) { " " span.badge.bad { "overdue" } }
                    }
                }
            }
            @for r in &agenda.to_send {
                li { a href={ "/w/" (w) "/rounds/" (r.id) } { "Send the draft round “" (r.title) "”" } }
            }
            @for (r, submitted, total) in &agenda.answering {
                li {
                    a href={ "/w/" (w) "/rounds/" (r.id) } { "“" (r.title) "”" }
                    @if submitted == total { ": everyone has answered — " strong { "ready to reveal" } }
                    @else { ": " (submitted) " of " (total) " have answered" }
                }
            }
            @for r in &agenda.to_listen {
                li { a href={ "/w/" (w) "/rounds/" (r.id) "/session" } { "Hold the listening session of “" (r.title) "”" } }
            }
            @if agenda.proposals > 0 {
                li { a href={ "/w/" (w) "/gaps/proposals" } {
                    (count(agenda.proposals, "gap proposal", "gap proposals")) " to review"
                } }
            }
            @for o in &agenda.actions {
                li {
                    a href={ "/w/" (w) "/gaps/" (o.action.gap_id) } { "Action: " (o.action.title) }
                    @if let Some(due) = o.action.due_at {
                        " " span.muted { "due " (when(due)) }
                        @if due < now { " " span.badge.bad { "overdue" } }
                    }
                }
            }
            @if agenda.revisit_vision {
                li { a href={ "/w/" (w) "/vision" } { "Every round is closed: revisit the vision before the next round" } }
            }
        }
    }
}

/// The signed-in person's home page.
pub(super) async fn home_page(
    state: &AppState,
    actor: &Actor,
    flash: Option<&str>,
) -> Result<Markup, PageError> {
    let agendas = state.app.agenda(actor).await?;
    let now = parallax_store::now_ms();
    let waiting = agendas.iter().any(|a| !a.is_empty());
    Ok(page(
        "Home",
        Some(actor),
        flash,
        html! {
            h1 { "What waits for you" }
            @if agendas.is_empty() {
                div.empty {
                    p { "You are not in any workspace yet." }
                    p { a href="/w" { "Create a workspace" } ", or open an invitation link you were sent." }
                }
            } @else if !waiting {
                div.empty #nothing-waiting { "Nothing waits for you right now." }
            }
            @for agenda in agendas.iter().filter(|a| !a.is_empty()) {
                section.card {
                    h2 { a href={ "/w/" (agenda.workspace.id) } { (agenda.workspace.name) } " " span.badge { (agenda.role.label()) } }
                    (agenda_items(agenda, now))
                }
            }
            p.muted { a href="/w" { "All workspaces" } " · " a href="/actions" { "My actions" } }
        },
    ))
}
