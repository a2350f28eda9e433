//! Accounts through the real server: sign-up, sign-in, sessions, throttling,
//! CSRF, security headers and bad input.

mod common;

use common::{Db, PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("px_session=") && !v.starts_with("px_session=;"))
        .map(str::to_owned)
}

async fn first_sign_up_makes_an_admin_and_then_closes(db: Db) {
    let app = TestApp::spawn_with(db, |s| s.open_signup = false).await;
    let client = app.client();
    let page = client.get(app.url("/signup")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("first person here"));

    let response = client
        .post(app.url("/signup"))
        .form(&[
            ("name", "Ada Founder"),
            ("email", "ada@acme.test"),
            ("password", PASSWORD),
            ("workspace", "Acme"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&response).expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["is_admin"], true);
    let workspaces: Value = client
        .get(app.url("/api/v1/workspaces"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(workspaces["workspaces"][0]["name"], "Acme");
    assert_eq!(workspaces["workspaces"][0]["role"], "owner");

    // The next stranger cannot sign up: accounts come from invitations now.
    let stranger = app.client();
    let response = stranger
        .post(app.url("/signup"))
        .form(&[
            ("name", "Eve"),
            ("email", "eve@evil.test"),
            ("password", PASSWORD),
            ("workspace", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = stranger
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": "eve@evil.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn simultaneous_first_sign_ups_make_one_account_while_sign_up_is_closed(db: Db) {
    let app = TestApp::spawn_with(db, |s| s.open_signup = false).await;
    let requests: Vec<_> = (0..8)
        .map(|i| {
            tokio::spawn(
                app.client()
                    .post(app.url("/api/v1/signup"))
                    .json(&json!({ "name": format!("Founder {i}"), "email": format!("f{i}@acme.test"), "password": PASSWORD }))
                    .send(),
            )
        })
        .collect();
    let statuses = statuses_of(requests).await;
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::FORBIDDEN), 7, "{statuses:?}");
    app.stop().await;
}

async fn sign_up_form_shows_every_error_next_to_its_field_and_writes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let client = app.client();
    let response = client
        .post(app.url("/signup"))
        .form(&[
            ("name", ""),
            ("email", "not-an-address"),
            ("password", "password1"),
            ("workspace", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Is required"), "name error shown");
    assert!(html.contains("Is not a valid e-mail address"));
    assert!(html.contains("most common passwords"));
    assert!(
        html.contains("value=\"not-an-address\""),
        "typed values are kept"
    );
    // Nothing was written: the instance is still fresh.
    let page = client
        .get(app.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("first person here"));
    app.stop().await;
}

async fn sessions_are_new_at_sign_in_and_end_at_sign_out_and_password_change(db: Db) {
    let app = TestApp::spawn(db).await;
    let (first, _) = app.sign_up("Ada", "ada@acme.test").await;

    let second = app.client();
    let login = second
        .post(app.url("/login"))
        .form(&[("email", "ADA@acme.test "), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie_a = session_cookie(&login).unwrap();
    let third = app.client();
    let login = third
        .post(app.url("/login"))
        .form(&[("email", "ada@acme.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_ne!(
        session_cookie(&login).unwrap(),
        cookie_a,
        "every sign-in gets a new session id"
    );

    // Sign-out ends that session only.
    let out = second.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let raw = app.client();
    let token = cookie_a.split(';').next().unwrap().to_owned();
    let replay = raw
        .get(app.url("/api/v1/me"))
        .header("cookie", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        StatusCode::UNAUTHORIZED,
        "a signed-out session is dead"
    );
    assert_eq!(
        third
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A password change ends every other session.
    let change = first
        .post(app.url("/account/password"))
        .form(&[
            ("current", PASSWORD),
            ("password", "a brand new passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        first
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the changer stays in"
    );
    assert_eq!(
        third
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let wrong = first
        .post(app.url("/account/password"))
        .form(&[
            ("current", "not my password"),
            ("password", "another new passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Is not your current password")
    );
    app.stop().await;
}

/// Sends `attempts` wrong passwords for `email` at once, the i-th with
/// `X-Forwarded-For: forwarded(i)`, and returns their statuses.
async fn parallel_wrong_passwords(
    app: &TestApp,
    email: &str,
    attempts: usize,
    forwarded: impl Fn(usize) -> String,
) -> Vec<StatusCode> {
    let requests: Vec<_> = (0..attempts)
        .map(|attempt| {
            tokio::spawn(
                app.client()
                    .post(app.url("/api/v1/session"))
                    .header("x-forwarded-for", forwarded(attempt))
                    .json(&json!({ "email": email, "password": format!("wrong guess {attempt}") }))
                    .send(),
            )
        })
        .collect();
    statuses_of(requests).await
}

/// The statuses of requests sent at once, in the order they were started.
async fn statuses_of(
    requests: Vec<tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>>,
) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap().unwrap().status());
    }
    statuses
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

async fn sign_in_is_throttled_per_address_even_with_forged_forwarding(db: Db) {
    let app = TestApp::spawn(db).await;
    app.sign_up("Ada", "ada@acme.test").await;
    let client = app.client();
    // 30 wrong passwords at once, from one address forging 30 others: the
    // limit of 10 per minute holds exactly, however they interleave.
    let statuses =
        parallel_wrong_passwords(&app, "ada@acme.test", 30, |i| format!("203.0.113.{i}")).await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        20,
        "{statuses:?}"
    );
    let blocked = client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "198.51.100.77")
        .json(&json!({ "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        blocked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let page = client
        .post(app.url("/login"))
        .form(&[("email", "ada@acme.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
    app.stop().await;
}

async fn a_trusted_proxy_forwards_client_addresses(db: Db) {
    let app = TestApp::spawn_with(db, |s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await;
    app.sign_up("Ada", "ada@acme.test").await;
    let client = app.client();
    for attempt in 0..10 {
        client
            .post(app.url("/api/v1/session"))
            .header("x-forwarded-for", "203.0.113.9")
            .json(&json!({ "email": "ada@acme.test", "password": format!("wrong {attempt}") }))
            .send()
            .await
            .unwrap();
    }
    let other_client = client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "198.51.100.2")
        .json(&json!({ "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_client.status(),
        StatusCode::OK,
        "another client behind the proxy is not blocked"
    );
    let same_client = client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({ "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(same_client.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

async fn sign_in_is_throttled_per_account_across_addresses(db: Db) {
    let app = TestApp::spawn_with(db, |s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await;
    app.sign_up("Ada", "ada@acme.test").await;
    let client = app.client();
    // 110 failures at once from 110 addresses, each under its own limit: the
    // account's limit of 100 per hour holds exactly.
    let statuses =
        parallel_wrong_passwords(&app, "ada@acme.test", 110, |i| format!("203.0.113.{i}")).await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        100,
        "{statuses:?}"
    );
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        10,
        "{statuses:?}"
    );
    // …but the account itself is now locked for the hour, from anywhere.
    let blocked = client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "198.51.100.200")
        .json(&json!({ "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 60 && retry <= 3600, "Retry-After {retry}");
    app.stop().await;
}

async fn cross_site_requests_are_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let (client, workspace) = app.sign_up("Ada", "ada@acme.test").await;
    let cookie_only = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session = {
        let r = app
            .client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": "ada@acme.test", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        session_cookie(&r)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let forged = cookie_only
        .post(app.url("/w"))
        .header("cookie", &session)
        .header("origin", "https://evil.example")
        .form(&[("name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("Cross-site request refused")
    );
    let no_origin = cookie_only
        .post(app.url("/w"))
        .header("cookie", &session)
        .form(&[("name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
    let cross = cookie_only
        .post(app.url("/w"))
        .header("cookie", &session)
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let list: Value = client
        .get(app.url("/api/v1/workspaces"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["workspaces"].as_array().unwrap().len(),
        1,
        "nothing was created"
    );
    assert!(list["workspaces"][0]["id"].as_i64() == Some(workspace));
    app.stop().await;
}

async fn api_tokens_work_until_revoked(db: Db) {
    let app = TestApp::spawn(db).await;
    let (client, _) = app.sign_up("Ada", "ada@acme.test").await;
    let created: Value = client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "export"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("px_") && token.len() > 40);
    let bare = reqwest::Client::new();
    let me = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // A bearer token carries no ambient authority, so no Origin is needed.
    let made = bare
        .post(app.url("/api/v1/workspaces"))
        .bearer_auth(&token)
        .json(&json!({"name": "Via token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let listed: Value = client
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["tokens"][0]["name"], "export");
    assert!(
        listed.to_string().find(&token[3..]).is_none(),
        "the secret is never listed"
    );
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        client
            .delete(app.url(&format!("/api/v1/tokens/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        bare.get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    app.stop().await;
}

async fn every_response_carries_security_headers(db: Db) {
    let app = TestApp::spawn(db).await;
    let (client, workspace) = app.sign_up("Ada", "ada@acme.test").await;
    for (path, status) in [
        ("/account", 200),
        ("/no/such/page", 404),
        ("/api/v1/nothing", 404),
        (&*format!("/w/{workspace}"), 200),
        ("/w/999999", 404),
        ("/static/app.css", 200),
        ("/favicon.ico", 200),
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
        if path.starts_with("/static") || path == "/favicon.ico" {
            assert!(
                h["cache-control"].to_str().unwrap().starts_with("public"),
                "{path}"
            );
        } else {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
    }
    // Error pages keep the signed-in top bar: a 404, and a form's 422.
    let missing = common::get_text(&client, &app.url("/w/999999")).await;
    assert!(
        missing.contains("Sign out") && missing.contains(">Ada<"),
        "{missing}"
    );
    assert!(!missing.contains(">Sign in<"));
    let refused = client
        .post(app.url(&format!("/w/{workspace}/rounds")))
        .form(&[("title", "Ancient"), ("due", "0001-01-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("Sign out") && !refused.contains(">Sign in<"),
        "{refused}"
    );
    let anonymous = common::get_text(&reqwest::Client::new(), &app.url("/no/such/page")).await;
    assert!(
        anonymous.contains(">Sign in<"),
        "strangers still see the sign-in link"
    );
    let icon = client.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(
        icon.text().await.unwrap().starts_with("<svg"),
        "an icon, not a 404 page"
    );
    let html = common::get_text(&client, &app.url(&format!("/w/{workspace}"))).await;
    assert!(
        !html.contains("<script>") && !html.contains("style=\""),
        "no inline scripts or styles"
    );
    assert!(
        html.contains(r#"<link rel="icon" href="/static/icon.svg" type="image/svg+xml">"#),
        "every page links its icon"
    );
    app.stop().await;
}

async fn bad_input_gets_a_clear_4xx_and_writes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let (client, _) = app.sign_up("Ada", "ada@acme.test").await;
    let count = || async {
        let v: Value = client
            .get(app.url("/api/v1/workspaces"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["workspaces"].as_array().unwrap().len()
    };
    let before = count().await;

    let unknown = client
        .post(app.url("/api/v1/workspaces"))
        .json(&json!({"name": "X", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = unknown.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field")
    );

    let malformed = client
        .post(app.url("/api/v1/workspaces"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );

    let wrong_type = client
        .post(app.url("/api/v1/workspaces"))
        .body("name=X")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = client
        .post(app.url("/api/v1/workspaces"))
        .json(&json!({"name": "x".repeat(300 * 1024)}))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let bad_utf8 = client
        .post(app.url("/w"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"name=%FF%FE".to_vec())
        .send()
        .await
        .unwrap();
    assert!(bad_utf8.status().is_client_error(), "{}", bad_utf8.status());
    assert!(bad_utf8.text().await.unwrap().contains("could not be read"));

    let empty_name = client
        .post(app.url("/api/v1/workspaces"))
        .json(&json!({"name": "   "}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        empty_name.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
        "name"
    );

    let bad_id = client
        .get(app.url("/api/v1/workspaces/not-a-number"))
        .send()
        .await
        .unwrap();
    assert!(bad_id.status().is_client_error());

    assert_eq!(count().await, before, "no bad request wrote anything");
    app.stop().await;
}

async fn the_api_changes_the_password(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, _) = app.sign_up("Ada", "ada@acme.test").await;
    let other = app.client();
    let signed_in = other
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let url = app.url("/api/v1/me/password");
    let wrong = ada
        .put(&url)
        .json(&json!({ "current": "not it", "password": "a brand new passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "current");
    let weak = ada
        .put(&url)
        .json(&json!({ "current": PASSWORD, "password": "short" }))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = ada
        .put(&url)
        .json(&json!({ "current": PASSWORD, "password": "a brand new passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(
        session_cookie(&changed).is_some(),
        "a fresh session for the caller"
    );
    let status = |client: &reqwest::Client| {
        let request = client.get(app.url("/api/v1/me"));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(&ada).await, StatusCode::OK, "the changer stays in");
    assert_eq!(
        status(&other).await,
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    let old = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "ada@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "ada@acme.test", "password": "a brand new passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), StatusCode::OK);
    // Guessing the current password is throttled like signing in: one wrong
    // guess was counted above, nine more pass, then the caller must wait.
    let mut statuses = Vec::new();
    for guess in 0..10 {
        let response = ada
            .put(&url)
            .json(&json!({ "current": format!("guess {guess}"), "password": "another new passphrase" }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(
        count(&statuses, StatusCode::UNPROCESSABLE_ENTITY),
        9,
        "{statuses:?}"
    );
    assert_eq!(statuses[9], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    app.stop().await;
}

async fn health_readiness_and_metrics(db: Db) {
    let app = TestApp::spawn(db).await;
    let client = app.client();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ready\n"
    );
    client.get(app.url("/login")).send().await.unwrap();
    let metrics = client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "parallax_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "parallax_http_request_duration_seconds_bucket{method=\"GET\",route=\"/login\""
        )
    );
    // No model in this test server: the fallback is in use, nothing queued.
    assert!(
        metrics.contains("\nparallax_text_model_ready 0\n"),
        "{metrics}"
    );
    // Nothing derived from answers, such as the embedding backlog.
    assert!(!metrics.contains("backlog"), "{metrics}");
    app.stop().await;
}

/// The feed's lines, unfolded (RFC 5545 §3.1), after checking that every
/// line ends in CRLF and is at most 75 octets long.
fn ical_lines(body: &str) -> Vec<String> {
    assert!(body.ends_with("\r\n"), "{body}");
    for line in body.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is longer than 75 octets");
    }
    body.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

async fn a_calendar_feed_lists_rounds_and_actions_until_replaced(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, w) = app.sign_up("Lena", "lena@acme.test").await;
    let (tech, tech_id) = app
        .join(&owner, w, "tech_lead", "Tom", "tom@acme.test")
        .await;
    let api = app.url(&format!("/api/v1/workspaces/{w}"));
    let due = parallax_store::now_ms() + 10 * 24 * 3600 * 1000;
    // An earlier round's gap gives Tom an action with a due date.
    let (r0, _) =
        common::revealed_round(&app, &owner, w, "Q0", &[(&tech, tech_id)], |q, _| {
            match q["kind"]["type"].as_str() {
                Some("ranking") => {
                    json!({"type": "ranking", "value": q["kind"]["options"].clone()})
                }
                _ => json!({"type": "text", "value": "Small clinics."}),
            }
        })
        .await;
    let gap: Value = owner
        .post(format!("{api}/gaps"))
        .json(&json!({"round_id": r0, "question_key": "ideal-customer", "participant_id": tech_id, "title": "Who first", "severity": "high"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let action = owner
        .post(format!("{api}/gaps/{}/actions", gap["id"]))
        .json(&json!({"kind": "team_structure", "title": "Ship the onboarding squad", "owner_id": tech_id, "due_at": due}))
        .send()
        .await
        .unwrap();
    assert_eq!(action.status(), 201);
    let round: Value = owner
        .post(format!("{api}/rounds"))
        .json(&json!({"title": "Q1, alignment", "participants": [tech_id], "due_at": due}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = round["id"].as_i64().unwrap();
    common::post_empty(&owner, &format!("{api}/rounds/{r}/send"), 204).await;
    // Tom's draft answer is blind: the feed never carries it.
    let saved = tech
        .put(format!("{api}/rounds/{r}/answers/ideal-customer"))
        .json(&json!({"answer": {"type": "text", "value": "SECRET-DRAFT-ANSWER"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);

    let feed_api = app.url("/api/v1/me/calendar");
    let state = common::get_json(&tech, &feed_api).await;
    assert_eq!(state["active"], false);
    let url = common::new_feed(&app, &tech).await;
    assert!(url.starts_with(&app.base) && url.ends_with(".ics"), "{url}");
    // No session: the link is the credential.
    let anyone = app.client();
    let response = anyone.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("SECRET-DRAFT-ANSWER"));
    let lines = ical_lines(&body);
    for required in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        "END:VCALENDAR",
    ] {
        assert!(lines.iter().any(|l| l == required), "{required}: {body}");
    }
    assert!(
        !lines.iter().any(|l| l.starts_with("METHOD")),
        "a feed, not an invitation"
    );
    for summary in [
        "SUMMARY:Answer “Q1\\, alignment” (Lena's company)",
        "SUMMARY:Answers due: “Q1\\, alignment” (Lena's company)",
        "SUMMARY:Action due: Ship the onboarding squad",
    ] {
        assert!(lines.iter().any(|l| l == summary), "{summary}: {body}");
    }
    let uid = format!("UID:round-{r}-answering@");
    assert!(lines.iter().any(|l| l.starts_with(&uid)), "{body}");
    assert_eq!(
        lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(),
        lines.iter().filter(|l| l.starts_with("DTSTAMP:")).count()
    );
    assert!(
        lines
            .iter()
            .all(|l| !l.starts_with("DTSTART:") || l.ends_with('Z')),
        "times in UTC"
    );
    // Lena's feed is hers: the round she runs, not Tom's actions.
    let lenas_url = common::new_feed(&app, &owner).await;
    assert_ne!(lenas_url, url);
    assert!(
        anyone
            .get(&lenas_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Parallax · Lena")
    );

    // A new link replaces the old one; turning it off ends it.
    let new_url = common::new_feed(&app, &tech).await;
    assert_eq!(anyone.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(anyone.get(&new_url).send().await.unwrap().status(), 200);
    let off = tech.delete(&feed_api).send().await.unwrap();
    assert_eq!(off.status(), 204);
    assert_eq!(anyone.get(&new_url).send().await.unwrap().status(), 404);
    assert_eq!(common::get_json(&tech, &feed_api).await["active"], false);

    // The account page makes one too and shows it once.
    let page = tech
        .post(app.url("/account/calendar"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("it will not be shown again") && page.contains("/calendar/"));
    let page = common::get_text(&tech, &app.url("/account")).await;
    assert!(page.contains("On since") && !page.contains(".ics"));
    app.stop().await;
}

/// The reset link in the newest mail to `address`.
fn reset_link(mails: &[String], address: &str) -> String {
    mails
        .iter()
        .rev()
        .find(|m| m.contains(&format!("To: {address}")))
        .and_then(|m| {
            m.split_whitespace()
                .find(|w| w.contains("/password/reset/"))
        })
        .unwrap_or_else(|| panic!("no reset mail to {address}: {mails:?}"))
        .to_owned()
}

async fn forgot(app: &TestApp, email: &str) -> (u16, String) {
    let response = app
        .client()
        .post(app.url("/password/forgot"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A forgotten password: the same answer whether or not the address has an
/// account, a link by mail that works once within the hour, every session
/// ended, and an honest refusal where mail is not set up.
async fn a_password_is_reset_by_mail_once_within_the_hour(db: Db) {
    let smtp = common::smtp::SmtpServer::start(0).await;
    let app = TestApp::spawn_with(db, |s| {
        s.smtp_url = smtp.url.clone();
        s.mail_retry_seconds = 0;
    })
    .await;
    let (lena, _) = app.sign_up("Lena", "lena@acme.test").await;
    let (unknown_status, unknown) = forgot(&app, "nobody@acme.test").await;
    let (known_status, known) = forgot(&app, "LENA@acme.test").await;
    assert_eq!((unknown_status, known_status), (200, 200));
    let sent = "If an account has this address, we sent it a link";
    assert!(unknown.contains(sent) && known.contains(sent));
    let mails = smtp.wait_for(1).await;
    assert_eq!(
        mails.len(),
        1,
        "nothing goes to an address without an account"
    );
    assert!(!mails[0].contains("List-Unsubscribe"), "transactional mail");
    forgot(&app, "lena@acme.test").await;
    let link = reset_link(&mails, "lena@acme.test");

    let anyone = app.client();
    assert_eq!(anyone.get(&link).send().await.unwrap().status(), 200);
    let weak = anyone
        .post(&link)
        .form(&[("password", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422, "a weak password keeps the link");
    let done = anyone
        .post(&link)
        .form(&[("password", "a brand new passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(
        lena.get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "every session ended"
    );
    let sign_in = |password: &'static str| {
        let client = app.client();
        let url = app.url("/api/v1/session");
        async move {
            client
                .post(url)
                .json(&json!({"email": "lena@acme.test", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(sign_in(PASSWORD).await, 401);
    assert_eq!(sign_in("a brand new passphrase").await, 200);
    let again = anyone
        .post(&link)
        .form(&[("password", "yet another passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "a link works once");
    let secret = link.rsplit('/').next().unwrap();
    let by_api = anyone
        .post(app.url("/api/v1/password/reset"))
        .json(&json!({"secret": secret, "password": "yet another passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_api.status(), 404, "nor through the API");
    let asked = anyone
        .post(app.url("/api/v1/password/forgot"))
        .json(&json!({"email": "nobody@acme.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 204);
    assert_eq!(smtp.messages().len(), 1, "one link per five minutes");

    // A link asked for two hours ago no longer works.
    app.sign_up("Ann", "ann@acme.test").await;
    parallax_store::as_of(
        parallax_store::now_ms() - 2 * 3600 * 1000,
        app.server.app.request_password_reset("ann@acme.test"),
    )
    .await
    .unwrap();
    let mails = smtp.wait_for(2).await;
    let old = reset_link(&mails, "ann@acme.test");
    assert_eq!(anyone.get(&old).send().await.unwrap().status(), 404);
    app.stop().await;

    let no_mail = TestApp::spawn(db).await;
    no_mail.sign_up("Lena", "lena@acme.test").await;
    let (status, page) = forgot(&no_mail, "lena@acme.test").await;
    assert_eq!(status, 409);
    assert!(page.contains("mail is not set up on this server"));
    no_mail.stop().await;
}

on_both_databases!(
    a_password_is_reset_by_mail_once_within_the_hour,
    a_calendar_feed_lists_rounds_and_actions_until_replaced,
    first_sign_up_makes_an_admin_and_then_closes,
    simultaneous_first_sign_ups_make_one_account_while_sign_up_is_closed,
    sign_up_form_shows_every_error_next_to_its_field_and_writes_nothing,
    sessions_are_new_at_sign_in_and_end_at_sign_out_and_password_change,
    sign_in_is_throttled_per_address_even_with_forged_forwarding,
    a_trusted_proxy_forwards_client_addresses,
    sign_in_is_throttled_per_account_across_addresses,
    cross_site_requests_are_refused,
    api_tokens_work_until_revoked,
    every_response_carries_security_headers,
    bad_input_gets_a_clear_4xx_and_writes_nothing,
    health_readiness_and_metrics,
    the_api_changes_the_password,
);
