//! The JSON API under `/api/v1`. It covers what the pages do; callers
//! authenticate with a personal token (`Authorization: Bearer px_…`) or the
//! session cookie.

mod accounts;
mod gaps;
mod openapi;
mod preconditions;
mod rounds;
mod workspaces;

use crate::Routes;

pub(crate) fn routes() -> Routes {
    let mut routes = Vec::new();
    routes.extend(accounts::routes());
    routes.extend(workspaces::routes());
    routes.extend(rounds::routes());
    routes.extend(gaps::routes());
    routes.extend(openapi::routes());
    routes
}
