//! Server-rendered pages. Each works without JavaScript.

mod accounts;
mod cadence;
mod gaps;
mod home;
mod invites;
pub(crate) mod layout;
mod rounds;
mod trend;
mod vision;
mod workspaces;

use crate::Routes;

pub(crate) fn routes() -> Routes {
    let mut routes = Vec::new();
    routes.extend(accounts::routes());
    routes.extend(workspaces::routes());
    routes.extend(invites::routes());
    routes.extend(vision::routes());
    routes.extend(rounds::routes());
    routes.extend(gaps::routes());
    routes.extend(trend::routes());
    routes.extend(cadence::routes());
    routes
}
