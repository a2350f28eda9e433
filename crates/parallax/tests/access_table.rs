//! Every route × every kind of caller: the status each gets, and that nothing
//! of a workspace leaks to someone outside it.

mod common;

use common::{Db, TestApp};
use reqwest::{Client, Method};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    InstanceAdmin,
    OtherWorkspace,
    Removed,
    Advisor,
    Member,
    TechLead,
    Leader,
    Owner,
}

/// Owners act last so that their successful destructive requests do not
/// change what the others see.
const EVERYONE: [Who; 9] = [
    Who::Anonymous,
    Who::InstanceAdmin,
    Who::OtherWorkspace,
    Who::Removed,
    Who::Advisor,
    Who::Member,
    Who::TechLead,
    Who::Leader,
    Who::Owner,
];

#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Any member gets `ok`; outsiders 404.
    Members(u16),
    /// Owners get `ok`, other members 403, outsiders 404.
    Owners(u16),
    /// Owners and leaders get `ok`, other members 403, outsiders 404.
    Managers(u16),
    /// Members but advisors get `ok`, advisors 403, outsiders 404.
    Contributors(u16),
    /// Any signed-in person gets `ok`.
    SignedIn(u16),
    /// Everyone, signed in or not, gets `ok`.
    Public(u16),
}

#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    Form(&'static [(&'static str, &'static str)]),
    Json(fn() -> Value),
}

struct Row {
    method: Method,
    template: &'static str,
    path: String,
    body: Body,
    rule: Rule,
}

fn expected(rule: Rule, who: Who, api: bool) -> u16 {
    let anonymous = if api { 401 } else { 303 };
    let insider = matches!(
        who,
        Who::Owner | Who::Leader | Who::TechLead | Who::Member | Who::Advisor
    );
    match (rule, who) {
        (Rule::Public(ok), _) => ok,
        (_, Who::Anonymous) => anonymous,
        (Rule::SignedIn(ok), _) => ok,
        (Rule::Members(ok), _) if insider => ok,
        (Rule::Owners(ok), Who::Owner) => ok,
        (Rule::Owners(_), _) if insider => 403,
        (Rule::Managers(ok), Who::Owner | Who::Leader) => ok,
        (Rule::Managers(_), _) if insider => 403,
        (Rule::Contributors(_), Who::Advisor) => 403,
        (Rule::Contributors(ok), _) if insider => ok,
        _ => 404,
    }
}

const SECRET_NAME: &str = "Zebra Nine Holdings";
const SECRET_DOMAIN: &str = "@zebra.test";

async fn every_route_and_every_caller(db: Db) {
    let app = TestApp::spawn(db).await;
    let (admin, _) = app.sign_up("Ida Admin", "ida@instance.test").await;
    let owner = app.client();
    let created: Value = owner
        .post(app.url("/api/v1/signup"))
        .json(&json!({"name": "Olga Owner", "email": format!("olga{SECRET_DOMAIN}"), "password": common::PASSWORD, "workspace": SECRET_NAME}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let w = created["workspace"]["id"].as_i64().unwrap();
    let (leader, _) = app
        .join(
            &owner,
            w,
            "leader",
            "Lea Leader",
            &format!("lea{SECRET_DOMAIN}"),
        )
        .await;
    let (tech, _) = app
        .join(
            &owner,
            w,
            "tech_lead",
            "Tim Tech",
            &format!("tim{SECRET_DOMAIN}"),
        )
        .await;
    let (member, member_id) = app
        .join(
            &owner,
            w,
            "member",
            "Max Member",
            &format!("max{SECRET_DOMAIN}"),
        )
        .await;
    let (advisor, _) = app
        .join(
            &owner,
            w,
            "advisor",
            "Ava Advisor",
            &format!("ava{SECRET_DOMAIN}"),
        )
        .await;
    let (removed, removed_id) = app
        .join(&owner, w, "member", "Rex Removed", "rex@elsewhere.test")
        .await;
    let (_, victim_page) = app
        .join(&owner, w, "member", "Vic Page", "vic1@elsewhere.test")
        .await;
    let (_, victim_api) = app
        .join(&owner, w, "member", "Vic Api", "vic2@elsewhere.test")
        .await;
    assert_eq!(
        owner
            .delete(app.url(&format!("/api/v1/workspaces/{w}/members/{removed_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    // Rex keeps the session he had as a member: removal ends his access to
    // this workspace through it, which every row below checks.
    let (other, _) = app.sign_up("Otto Other", "otto@other.test").await;
    let invite = |role: &'static str| {
        let owner = owner.clone();
        let url = app.url(&format!("/api/v1/workspaces/{w}/invites"));
        async move {
            let v: Value = owner
                .post(url)
                .json(&json!({"role": role}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["id"].as_i64().unwrap()
        }
    };
    let invite_page = invite("member").await;
    let invite_api = invite("member").await;

    let anonymous = app.client();
    let client = |who: Who| -> &Client {
        match who {
            Who::Anonymous => &anonymous,
            Who::InstanceAdmin => &admin,
            Who::OtherWorkspace => &other,
            Who::Removed => &removed,
            Who::Advisor => &advisor,
            Who::Member => &member,
            Who::TechLead => &tech,
            Who::Leader => &leader,
            Who::Owner => &owner,
        }
    };

    let row = |method: Method, template: &'static str, path: String, body: Body, rule: Rule| Row {
        method,
        template,
        path,
        body,
        rule,
    };
    let rows = vec![
        row(
            Method::GET,
            "/",
            "/".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/healthz",
            "/healthz".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/readyz",
            "/readyz".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/metrics",
            "/metrics".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/static/{file}",
            "/static/app.css".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/favicon.ico",
            "/favicon.ico".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/api/openapi.json",
            "/api/openapi.json".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/api/docs",
            "/api/docs".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/signup",
            "/signup".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/w",
            "/w".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/account",
            "/account".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/api/v1/me",
            "/api/v1/me".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces",
            "/api/v1/workspaces".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/api/v1/tokens",
            "/api/v1/tokens".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}",
            format!("/w/{w}"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/members",
            format!("/w/{w}/members"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/audit",
            format!("/w/{w}/audit"),
            Body::None,
            Rule::Owners(200),
        ),
        row(
            Method::POST,
            "/w/{workspace_id}/members/{user_id}/role",
            format!("/w/{w}/members/{member_id}/role"),
            Body::Form(&[("role", "member")]),
            Rule::Owners(303),
        ),
        row(
            Method::POST,
            "/w/{workspace_id}/members/{user_id}/remove",
            format!("/w/{w}/members/{victim_page}/remove"),
            Body::None,
            Rule::Owners(303),
        ),
        row(
            Method::POST,
            "/w/{workspace_id}/invites",
            format!("/w/{w}/invites"),
            Body::Form(&[("role", "member")]),
            Rule::Owners(201),
        ),
        row(
            Method::POST,
            "/w/{workspace_id}/invites/{invite_id}/revoke",
            format!("/w/{w}/invites/{invite_page}/revoke"),
            Body::None,
            Rule::Owners(303),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}",
            format!("/api/v1/workspaces/{w}"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::POST,
            "/w/{workspace_id}/settings/analysis",
            format!("/w/{w}/settings/analysis"),
            Body::Form(&[("enabled", "on")]),
            Rule::Owners(303),
        ),
        row(
            Method::PATCH,
            "/api/v1/workspaces/{workspace_id}/settings",
            format!("/api/v1/workspaces/{w}/settings"),
            Body::Json(|| json!({"analysis_enabled": true})),
            Rule::Owners(204),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/members",
            format!("/api/v1/workspaces/{w}/members"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::PATCH,
            "/api/v1/workspaces/{workspace_id}/members/{user_id}",
            format!("/api/v1/workspaces/{w}/members/{member_id}"),
            Body::Json(|| json!({"role": "member"})),
            Rule::Owners(204),
        ),
        row(
            Method::DELETE,
            "/api/v1/workspaces/{workspace_id}/members/{user_id}",
            format!("/api/v1/workspaces/{w}/members/{victim_api}"),
            Body::None,
            Rule::Owners(204),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/invites",
            format!("/api/v1/workspaces/{w}/invites"),
            Body::None,
            Rule::Owners(200),
        ),
        row(
            Method::POST,
            "/api/v1/workspaces/{workspace_id}/invites",
            format!("/api/v1/workspaces/{w}/invites"),
            Body::Json(|| json!({"role": "advisor"})),
            Rule::Owners(201),
        ),
        row(
            Method::DELETE,
            "/api/v1/workspaces/{workspace_id}/invites/{invite_id}",
            format!("/api/v1/workspaces/{w}/invites/{invite_api}"),
            Body::None,
            Rule::Owners(204),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/audit",
            format!("/api/v1/workspaces/{w}/audit"),
            Body::None,
            Rule::Owners(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/gaps",
            format!("/w/{w}/gaps"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/gaps/new",
            format!("/w/{w}/gaps/new"),
            Body::None,
            Rule::Contributors(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/gaps/patterns",
            format!("/w/{w}/gaps/patterns"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/gaps/proposals",
            format!("/w/{w}/gaps/proposals"),
            Body::None,
            Rule::Managers(200),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/gaps",
            format!("/api/v1/workspaces/{w}/gaps"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/gaps/patterns",
            format!("/api/v1/workspaces/{w}/gaps/patterns"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/trend",
            format!("/w/{w}/trend"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/trend",
            format!("/api/v1/workspaces/{w}/trend"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/gaps/proposals",
            format!("/api/v1/workspaces/{w}/gaps/proposals"),
            Body::None,
            Rule::Managers(200),
        ),
        row(
            Method::GET,
            "/actions",
            "/actions".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/api/v1/actions",
            "/api/v1/actions".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/w/{workspace_id}/cadence",
            format!("/w/{w}/cadence"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/api/v1/workspaces/{workspace_id}/cadence",
            format!("/api/v1/workspaces/{w}/cadence"),
            Body::None,
            Rule::Members(200),
        ),
        row(
            Method::GET,
            "/api/v1/me/mail",
            "/api/v1/me/mail".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/api/v1/me/calendar",
            "/api/v1/me/calendar".into(),
            Body::None,
            Rule::SignedIn(200),
        ),
        row(
            Method::GET,
            "/password/forgot",
            "/password/forgot".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/password/reset/{secret}",
            "/password/reset/not-a-secret".into(),
            Body::None,
            Rule::Public(404),
        ),
        row(
            Method::GET,
            "/unsubscribe/{secret}",
            "/unsubscribe/not-a-secret".into(),
            Body::None,
            Rule::Public(200),
        ),
        row(
            Method::GET,
            "/calendar/{secret}",
            "/calendar/not-a-feed.ics".into(),
            Body::None,
            Rule::Public(404),
        ),
    ];

    const RESET: &str = "accounts_http::a_password_is_reset_by_mail_once_within_the_hour";
    const CADENCE: &str = "rounds_http::a_cadence_opens_a_year_of_rounds";
    const CALENDAR: &str = "accounts_http::a_calendar_feed_lists_rounds_and_actions_until_replaced";
    // Routes whose behaviour depends on more than the caller's role are
    // walked by the tests named here instead.
    let elsewhere = [
        ("/login", "accounts_http::sessions_are_new_at_sign_in…"),
        ("/logout", "accounts_http::sessions_are_new_at_sign_in…"),
        (
            "/account/password",
            "accounts_http::sessions_are_new_at_sign_in…",
        ),
        (
            "/account/tokens",
            "accounts_http::api_tokens_work_until_revoked",
        ),
        ("/account/calendar", CALENDAR),
        (
            "/account/mail",
            "rounds_http::sending_a_round_mails_its_participants",
        ),
        ("/api/v1/password/forgot", RESET),
        ("/api/v1/password/reset", RESET),
        ("/w/{workspace_id}/cadence/occurrences", CADENCE),
        ("/w/{workspace_id}/cadence/remove", CADENCE),
        (
            "/api/v1/workspaces/{workspace_id}/cadence/occurrences",
            CADENCE,
        ),
        ("/account/calendar/revoke", CALENDAR),
        (
            "/account/tokens/{token_id}/revoke",
            "invites_http::page_token_management",
        ),
        (
            "/api/v1/signup",
            "accounts_http::first_sign_up_makes_an_admin…",
        ),
        ("/api/v1/session", "accounts_http::sign_in_is_throttled…"),
        (
            "/api/v1/tokens/{token_id}",
            "accounts_http::api_tokens_work_until_revoked",
        ),
        ("/invite/{secret}", "invites_http"),
        ("/invite/{secret}/accept", "invites_http"),
        ("/invite/{secret}/signup", "invites_http"),
        ("/api/v1/invites/{secret}", "invites_http"),
        ("/api/v1/invites/{secret}/accept", "invites_http"),
        (
            "/api/v1/invites/{secret}/signup",
            "invites_http::the_api_signs_up_through_an_invitation",
        ),
        (
            "/api/v1/me/password",
            "accounts_http::the_api_changes_the_password",
        ),
        (
            "/w",
            "POST: invites_http::a_signed_in_person_creates_workspaces",
        ),
    ];
    // One gap's routes depend on whether the caller may see the gap's round
    // and on its state; gaps_http walks them (members outside the round,
    // advisors and outsiders get 404, non-managers 403).
    let gap_routes = "gaps_http::proposals_decisions_actions_and_access";
    let elsewhere: Vec<(&str, &str)> = elsewhere
        .into_iter()
        .chain(
            [
                "/w/{workspace_id}/gaps/proposals/accept",
                "/w/{workspace_id}/gaps/proposals/dismiss",
                "/w/{workspace_id}/gaps/{gap_id}",
                "/w/{workspace_id}/gaps/{gap_id}/status",
                "/w/{workspace_id}/gaps/{gap_id}/actions",
                "/w/{workspace_id}/gaps/{gap_id}/actions/{action_id}",
                "/w/{workspace_id}/gaps/{gap_id}/actions/{action_id}/comments",
                "/api/v1/workspaces/{workspace_id}/gaps/proposals/accept",
                "/api/v1/workspaces/{workspace_id}/gaps/proposals/dismiss",
                "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}",
                "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions",
                "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}",
                "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}/comments",
            ]
            .map(|path| (path, gap_routes)),
        )
        .collect();
    // The vision's and the rounds' routes are walked by every caller in every
    // round state in blind.rs, and their rules in rounds_http.rs.
    let elsewhere_prefixes = [
        "/w/{workspace_id}/vision",
        "/w/{workspace_id}/rounds",
        "/api/v1/workspaces/{workspace_id}/vision",
        "/api/v1/workspaces/{workspace_id}/rounds",
    ];
    for path in parallax_web::route_paths() {
        assert!(
            rows.iter().any(|r| r.template == path)
                || elsewhere.iter().any(|(p, _)| *p == path)
                || elsewhere_prefixes.iter().any(|p| path.starts_with(p)),
            "route {path} is in neither the access table nor the list of routes tested elsewhere"
        );
    }

    let mut failures = Vec::new();
    for row in &rows {
        let api = row.path.starts_with("/api/");
        for who in EVERYONE {
            let mut request = client(who).request(row.method.clone(), app.url(&row.path));
            request = match row.body {
                Body::None => request,
                Body::Form(fields) => request.form(fields),
                Body::Json(make) => request.json(&make()),
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.text().await.unwrap();
            let want = expected(row.rule, who, api);
            if status != want {
                failures.push(format!(
                    "{} {} as {who:?}: got {status}, want {want}",
                    row.method, row.path
                ));
            }
            if who == Who::Anonymous
                && want == 303
                && !matches!(row.rule, Rule::Public(_))
                && !location.as_deref().is_some_and(|l| l.starts_with("/login"))
            {
                failures.push(format!(
                    "{} {} as anonymous: redirected to {location:?}, not to sign-in",
                    row.method, row.path
                ));
            }
            let outsider = matches!(
                who,
                Who::Anonymous | Who::InstanceAdmin | Who::OtherWorkspace | Who::Removed
            );
            if outsider && (body.contains(SECRET_NAME) || body.contains(SECRET_DOMAIN)) {
                failures.push(format!(
                    "{} {} as {who:?}: response reveals the workspace",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} access failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.stop().await;
}

on_both_databases!(every_route_and_every_caller);
