//! The page frame, form fields with their errors, and small view helpers.

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use parallax_app::Actor;
use parallax_app::workspaces::WorkspaceView;
use parallax_domain::Invalid;
use parallax_domain::workspace::Role;

/// A whole page: head, top bar, flash message, content.
pub(crate) fn page(
    title: &str,
    actor: Option<&Actor>,
    flash: Option<&str>,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Parallax" }
                link rel="stylesheet" href="/static/app.css";
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    div.bar {
                        a.brand href="/" { "Parallax" }
                        nav aria-label="Main" {
                            @if let Some(actor) = actor {
                                a href="/" { "Home" }
                                a href="/w" { "Workspaces" }
                                a href="/actions" { "My actions" }
                                a href="/account" { (actor.user.name) }
                                form method="post" action="/logout" {
                                    button type="submit" { "Sign out" }
                                }
                            } @else {
                                a href="/login" { "Sign in" }
                            }
                        }
                    }
                }
                main {
                    @if let Some(message) = flash {
                        div.flash role="status" { (message) }
                    }
                    (content)
                }
                footer { "Parallax — one vision, seen from both sides." }
            }
        }
    }
}

/// The page shown for an error status.
pub(crate) fn error_page(status: StatusCode, message: &str, viewer: Option<&Actor>) -> Markup {
    let heading = match status.as_u16() {
        404 => "Not found",
        403 => "Not allowed",
        409 => "Conflict",
        413 => "Too large",
        422 | 400 | 415 => "Please check your input",
        429 => "Slow down",
        _ => "Something went wrong",
    };
    page(
        heading,
        viewer,
        None,
        html! {
            div.error-page {
                div.code { (status.as_u16()) }
                h1 { (heading) }
                p { (message) }
                p { a href="/" { "Back to Parallax" } }
            }
        },
    )
}

/// Validation failures of a form, looked up per field.
#[derive(Debug, Default)]
pub(crate) struct FormErrors(pub Vec<Invalid>);

impl FormErrors {
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Errors of fields the form does not show.
    pub(crate) fn others<'a>(
        &'a self,
        shown: &'a [&'a str],
    ) -> impl Iterator<Item = &'a Invalid> + 'a {
        self.0.iter().filter(move |e| !shown.contains(&e.field))
    }
}

/// A labelled input with its error next to it.
pub(crate) struct Field<'a> {
    pub label: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub hint: Option<&'a str>,
    pub autocomplete: &'a str,
}

impl Field<'_> {
    pub(crate) fn render(&self, errors: &FormErrors) -> Markup {
        let error = errors.get(self.name);
        let id = format!("f-{}", self.name);
        html! {
            label for=(id) {
                (self.label)
                @if let Some(hint) = self.hint { span.hint { (hint) } }
                input id=(id) type=(self.kind) name=(self.name) value=(self.value)
                    autocomplete=(self.autocomplete) aria-invalid=[error.map(|_| "true")];
                @if let Some(message) = error {
                    span.field-error { (capitalise(message)) }
                }
            }
        }
    }
}

/// Errors that belong to no visible field, shown above a form.
pub(crate) fn form_alert(errors: &FormErrors, shown: &[&str]) -> Markup {
    let others: Vec<_> = errors.others(shown).collect();
    html! {
        @if !others.is_empty() {
            div.alert role="alert" {
                @for e in others { p { (e.field) ": " (e.message) } }
            }
        }
    }
}

/// "1 person", "3 people": a count with the noun it counts.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The tabs of a workspace.
pub(crate) fn workspace_nav(view: &WorkspaceView, current: &str) -> Markup {
    let id = view.workspace.id;
    let mut tabs = vec![
        ("overview", format!("/w/{id}"), "Overview"),
        ("rounds", format!("/w/{id}/rounds"), "Rounds"),
        ("gaps", format!("/w/{id}/gaps"), "Gaps"),
        ("trend", format!("/w/{id}/trend"), "Over time"),
        ("members", format!("/w/{id}/members"), "Members"),
    ];
    if view.role != Role::Advisor {
        tabs.insert(1, ("vision", format!("/w/{id}/vision"), "Vision"));
    }
    if view.role == Role::Owner {
        tabs.push(("audit", format!("/w/{id}/audit"), "Audit log"));
    }
    html! {
        p.muted { "Workspace · " (view.role.label()) }
        h1 { (view.workspace.name) }
        nav.subnav aria-label="Workspace" {
            @for (key, href, label) in tabs {
                a href=(href) aria-current=[(key == current).then_some("page")] { (label) }
            }
        }
    }
}

/// A Unix-ms time as a UTC date and time.
pub(crate) fn when(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// A non-breaking placeholder for empty cells.
pub(crate) fn dash() -> Markup {
    PreEscaped("&mdash;".to_owned())
}
