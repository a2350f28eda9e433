//! Workspaces, invitations, roles and removal through the real server.

mod common;

use common::{Db, PASSWORD, TestApp};
use serde_json::{Value, json};

async fn create_invite(
    app: &TestApp,
    owner: &reqwest::Client,
    workspace: i64,
    role: &str,
) -> (i64, String) {
    let v: Value = owner
        .post(app.url(&format!("/api/v1/workspaces/{workspace}/invites")))
        .json(&json!({ "role": role }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        v["url"]
            .as_str()
            .unwrap()
            .ends_with(v["secret"].as_str().unwrap())
    );
    (
        v["id"].as_i64().unwrap(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

async fn a_partner_joins_by_link_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Ada", "ada@acme.test").await;
    let (_, secret) = create_invite(&app, &owner, w, "tech_lead").await;
    assert!(secret.len() >= 43, "at least 256 bits, base64");

    let partner = app.client();
    let page = partner
        .get(app.url(&format!("/invite/{secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Join Ada&#39;s company") || html.contains("Join Ada's company"),
        "{html}"
    );
    assert!(html.contains("Technical lead"));

    let joined = partner
        .post(app.url(&format!("/invite/{secret}/signup")))
        .form(&[
            ("name", "Pat Partner"),
            ("email", "pat@outsourcing.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    assert_eq!(joined.headers()["location"], format!("/w/{w}").as_str());
    let members: Value = partner
        .get(app.url(&format!("/api/v1/workspaces/{w}/members")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pat = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "pat@outsourcing.test")
        .unwrap();
    assert_eq!(pat["role"], "tech_lead");

    // Single use: the same link admits nobody else.
    let late = app.client();
    let again = late
        .get(app.url(&format!("/invite/{secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    assert!(again.text().await.unwrap().contains("not valid"));
    let again = late
        .post(app.url(&format!("/invite/{secret}/signup")))
        .form(&[
            ("name", "Late"),
            ("email", "late@x.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    let late_login = late
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": "late@x.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(late_login.status(), 401, "no account was half-created");
    app.stop().await;
}

async fn an_existing_account_accepts_and_revoked_links_die(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Ada", "ada@acme.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@partner.test").await;
    let (_, secret) = create_invite(&app, &owner, w, "advisor").await;
    let preview: Value = bob
        .get(app.url(&format!("/api/v1/invites/{secret}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["role"], "advisor");
    let accepted = bob
        .post(app.url(&format!("/api/v1/invites/{secret}/accept")))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    let ws: Value = bob
        .get(app.url("/api/v1/workspaces"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        ws["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == w && x["role"] == "advisor")
    );

    let (invite_id, secret) = create_invite(&app, &owner, w, "member").await;
    let revoke = owner
        .post(app.url(&format!("/w/{w}/invites/{invite_id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 303);
    let (carl, _) = app.sign_up("Carl", "carl@x.test").await;
    assert_eq!(
        carl.post(app.url(&format!("/invite/{secret}/accept")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        carl.get(app.url(&format!("/api/v1/invites/{secret}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    app.stop().await;
}

async fn owners_change_roles_and_removal_ends_access_to_that_workspace(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Ada", "ada@acme.test").await;
    let (tom, tom_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let ada_id = owner
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    // The last owner cannot step down.
    let demote = owner
        .post(app.url(&format!("/w/{w}/members/{ada_id}/role")))
        .form(&[("role", "leader")])
        .send()
        .await
        .unwrap();
    assert_eq!(demote.status(), 409);
    assert!(demote.text().await.unwrap().contains("at least one owner"));

    let promote = owner
        .post(app.url(&format!("/w/{w}/members/{tom_id}/role")))
        .form(&[("role", "leader")])
        .send()
        .await
        .unwrap();
    assert_eq!(promote.status(), 303);
    let bad_role = owner
        .post(app.url(&format!("/w/{w}/members/{tom_id}/role")))
        .form(&[("role", "emperor")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_role.status(), 422);
    let members = owner
        .get(app.url(&format!("/w/{w}/members")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(members.contains("Tom"));

    // Tom has a workspace of his own and an API token.
    let own: Value = tom
        .post(app.url("/api/v1/workspaces"))
        .json(&json!({ "name": "Tom's side project" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own = own["id"].as_i64().unwrap();
    let token: Value = tom
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "laptop" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let by_token = |path: String| {
        let request = app.client().get(app.url(&path)).bearer_auth(&token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let by_session = |path: String| {
        let request = tom.get(app.url(&path));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(by_token(format!("/api/v1/workspaces/{w}")).await, 200);
    let remove = owner
        .post(app.url(&format!("/w/{w}/members/{tom_id}/remove")))
        .send()
        .await
        .unwrap();
    assert_eq!(remove.status(), 303);
    // Removal ends access to this workspace, by session and token alike, and
    // leaves his own workspace and his sign-in alone.
    for path in [
        format!("/api/v1/workspaces/{w}"),
        format!("/api/v1/workspaces/{w}/rounds"),
    ] {
        assert_eq!(by_session(path.clone()).await, 404, "{path} by session");
        assert_eq!(by_token(path.clone()).await, 404, "{path} by token");
    }
    assert_eq!(by_session(format!("/w/{w}")).await, 404);
    assert_eq!(by_session("/api/v1/me".into()).await, 200);
    assert_eq!(by_session(format!("/api/v1/workspaces/{own}")).await, 200);
    assert_eq!(by_token(format!("/api/v1/workspaces/{own}")).await, 200);
    let log: Value = owner
        .get(app.url(&format!("/api/v1/workspaces/{w}/audit")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"member.removed")
            && actions.contains(&"member.role_changed")
            && actions.contains(&"member.joined")
    );
    app.stop().await;
}

async fn the_api_signs_up_through_an_invitation(db: Db) {
    let app = TestApp::spawn_with(db, |s| s.open_signup = false).await;
    let (owner, w) = app.sign_up("Ada", "ada@acme.test").await;
    let (_, secret) = create_invite(&app, &owner, w, "tech_lead").await;
    let url = app.url(&format!("/api/v1/invites/{secret}/signup"));
    let tom = app.client();
    let invalid = tom
        .post(&url)
        .json(&json!({ "name": "", "email": "not an address", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let taken = tom
        .post(&url)
        .json(&json!({ "name": "Ada again", "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 422);
    let joined = tom
        .post(&url)
        .json(&json!({ "name": "Tom", "email": "tom@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 201);
    let body: Value = joined.json().await.unwrap();
    assert_eq!(body["workspace_id"], w);
    assert_eq!(body["user"]["email"], "tom@acme.test");
    let members: Value = tom
        .get(app.url(&format!("/api/v1/workspaces/{w}/members")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == "tom@acme.test" && m["role"] == "tech_lead"),
        "{members}"
    );
    // The link admits once; a made-up one admits nobody.
    let again = app
        .client()
        .post(&url)
        .json(&json!({ "name": "Eve", "email": "eve@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    let made_up = app
        .client()
        .post(app.url("/api/v1/invites/not-a-secret/signup"))
        .json(&json!({ "name": "Eve", "email": "eve@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), 404);
    app.stop().await;
}

async fn a_signed_in_person_creates_workspaces(db: Db) {
    let app = TestApp::spawn(db).await;
    let (client, _) = app.sign_up("Ada", "ada@acme.test").await;
    let made = client
        .post(app.url("/w"))
        .form(&[("name", "Second venture")])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 303);
    let location = made.headers()["location"].to_str().unwrap().to_owned();
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Second venture") && page.contains("Workspace created."));
    let empty = client
        .post(app.url("/w"))
        .form(&[("name", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("Is required"));
    let anonymous = app
        .client()
        .post(app.url("/w"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
    app.stop().await;
}

async fn page_token_management(db: Db) {
    let app = TestApp::spawn(db).await;
    let (client, _) = app.sign_up("Ada", "ada@acme.test").await;
    let page = client
        .post(app.url("/account/tokens"))
        .form(&[("name", "laptop")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page
        .find("value=\"px_")
        .expect("the new token is shown once")
        + 7;
    let token = &page[start..start + page[start..].find('"').unwrap()];
    assert_eq!(
        reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let listed: Value = client
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = listed["tokens"][0]["id"].as_i64().unwrap();
    let revoked = client
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    assert_eq!(
        reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let again = client
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    app.stop().await;
}

on_both_databases!(
    a_partner_joins_by_link_once,
    an_existing_account_accepts_and_revoked_links_die,
    owners_change_roles_and_removal_ends_access_to_that_workspace,
    a_signed_in_person_creates_workspaces,
    the_api_signs_up_through_an_invitation,
    page_token_management,
);
