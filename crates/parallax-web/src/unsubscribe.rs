//! One-click unsubscribe (RFC 8058): `POST /unsubscribe/{secret}` from the
//! mail's `List-Unsubscribe` header turns that kind of mail off without
//! signing in; `GET` shows a page with the same button, so a link followed
//! by a scanner changes nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;

use crate::error::PageError;
use crate::pages::layout::page;
use crate::{AppState, Routes};

pub(crate) fn routes() -> Routes {
    vec![("/unsubscribe/{secret}", get(confirm).post(unsubscribe))]
}

async fn confirm(Path(secret): Path<String>) -> Response {
    page(
        "Turn these mails off",
        None,
        None,
        html! {
            h1 { "Turn these mails off?" }
            form method="post" action={ "/unsubscribe/" (secret) } {
                input type="hidden" name="List-Unsubscribe" value="One-Click";
                button type="submit" { "Turn them off" }
            }
        },
    )
    .into_response()
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let what = match state.app.unsubscribe(&secret).await {
        Err(parallax_app::AppError::NotFound) => {
            return Ok((
                StatusCode::NOT_FOUND,
                page(
                    "Unknown link",
                    None,
                    None,
                    html! { h1 { "Unknown link" } p { "This unsubscribe link is not known here." } },
                ),
            )
                .into_response());
        }
        other => other?,
    };
    Ok(page(
        "Mails turned off",
        None,
        None,
        html! {
            h1 { "Done" }
            p #unsubscribed { "You no longer get mail for: " (what) "." }
        },
    )
    .into_response())
}
