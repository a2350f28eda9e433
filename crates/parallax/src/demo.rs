//! The demo workspace of the quick start: a leader and a technical lead who
//! already work together, so a first visit shows the product, not empty pages.

use parallax_app::accounts::SignUp;
use parallax_app::{Actor, App};
use parallax_domain::workspace::Role;

/// A demo login printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// What the person does.
    pub role: &'static str,
    /// E-mail to sign in with.
    pub email: &'static str,
    /// Password to sign in with.
    pub password: &'static str,
}

/// The demo logins.
pub const LOGINS: [DemoLogin; 2] = [
    DemoLogin {
        role: "leader (owner)",
        email: "lena@demo.example",
        password: "northwind-vision-2030",
    },
    DemoLogin {
        role: "technical lead",
        email: "tom@demo.example",
        password: "northwind-build-2030",
    },
];

/// Creates the demo workspace when the instance has no account yet; returns
/// whether it did.
pub async fn seed(app: &App) -> anyhow::Result<bool> {
    if !app.is_fresh().await? {
        return Ok(false);
    }
    let (leader, workspace) = app
        .sign_up(&SignUp {
            name: "Lena Ortiz".into(),
            email: LOGINS[0].email.into(),
            password: LOGINS[0].password.into(),
            workspace: "Northwind Clinics".into(),
        })
        .await?;
    let leader = Actor { user: leader.user };
    let (_, secret) = app
        .create_invite(&leader, workspace.id, Role::TechLead)
        .await?;
    app.sign_up_by_invite(&secret, "Tom Becker", LOGINS[1].email, LOGINS[1].password)
        .await?;
    Ok(true)
}
