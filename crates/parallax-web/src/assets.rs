//! Front-end assets, embedded in the binary and served by it: nothing comes
//! from a CDN.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Routes;

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("../assets/icon.svg"),
    ),
];

pub(crate) fn routes() -> Routes {
    vec![
        ("/static/{file}", get(asset)),
        // Browsers ask for it whatever the page links.
        ("/favicon.ico", get(|| asset(Path("icon.svg".to_owned())))),
    ]
}

async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => crate::error::not_found(axum::http::Uri::from_static("/static")).await,
    }
}
