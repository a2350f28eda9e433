//! Test harness: the real server on port 0, with a fresh SQLite file or a
//! fresh PostgreSQL database per test.

#![allow(dead_code)]

pub mod smtp;

use parallax::server::{self, Running};
use parallax::settings::Settings;
use parallax_web::views::accounts::{SignedUp, User};
use parallax_web::views::rounds::{Round, Session};
use parallax_web::views::workspaces::CreatedInvite;
use rand::RngCore;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each async test function
/// taking a [`Db`].
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Db::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Db::Postgres).await })*
        }
    };
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("PARALLAX_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh, empty database of the given kind: (URL, guard keeping it alive).
pub async fn fresh_database(db: Db) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match db {
        Db::Sqlite => format!("sqlite:{}?mode=rwc", dir.path().join("test.db").display()),
        Db::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("px_t_{}", random_suffix());
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .expect("PostgreSQL must listen on 127.0.0.1:5432 (see README, Tests)");
            sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b)
                .to_owned();
            format!("{base}/{name}")
        }
    };
    (url, dir)
}

/// A running server and what it needs to stay alive.
pub struct TestApp {
    pub server: Running,
    pub base: String,
    pub db: Db,
    database_url: String,
    _dir: tempfile::TempDir,
}

/// Settings for a test server: port 0, open sign-up so tests can create
/// people directly.
pub fn test_settings(url: &str, dir: &std::path::Path) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        database_url: url.to_owned(),
        open_signup: true,
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        Self::spawn_with(db, |_| {}).await
    }

    pub async fn spawn_with(db: Db, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (url, dir) = fresh_database(db).await;
        let mut settings = test_settings(&url, dir.path());
        adjust(&mut settings);
        let server = server::start(&settings).await.expect("server starts");
        let base = server.url();
        TestApp {
            server,
            base,
            db,
            database_url: url,
            _dir: dir,
        }
    }

    /// The URL of this test's database, for checks beneath the app.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: keeps cookies, sends Origin, does not follow
    /// redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(&self.base).unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// Signs a new person up through the API; returns their client and the
    /// id of the workspace created with them.
    pub async fn sign_up(&self, name: &str, email: &str) -> (reqwest::Client, i64) {
        let client = self.client();
        let response = client
            .post(self.url("/api/v1/signup"))
            .json(&json!({ "name": name, "email": email, "password": PASSWORD, "workspace": format!("{name}'s company") }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "sign-up of {email} failed");
        let body: SignedUp = response.json().await.unwrap();
        assert_eq!(body.user.email, email);
        (client, body.workspace.id)
    }

    /// Invites a new person into `workspace` as `role` (by `owner`); returns
    /// the newcomer's client and user id.
    pub async fn join(
        &self,
        owner: &reqwest::Client,
        workspace: i64,
        role: &str,
        name: &str,
        email: &str,
    ) -> (reqwest::Client, i64) {
        let invite: CreatedInvite = owner
            .post(self.url(&format!("/api/v1/workspaces/{workspace}/invites")))
            .json(&json!({ "role": role }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = invite.secret;
        let client = self.client();
        let response = client
            .post(self.url(&format!("/invite/{secret}/signup")))
            .form(&[("name", name), ("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "joining as {email} failed");
        let me: User = client
            .get(self.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (client, me.id)
    }

    /// Stops the server and drops its PostgreSQL database.
    pub async fn stop(self) {
        self.server.stop().await.unwrap();
        if self.db == Db::Postgres {
            let name = self.database_url.rsplit('/').next().unwrap().to_owned();
            let mut admin =
                <sqlx::PgConnection as sqlx::Connection>::connect(&postgres_admin_url())
                    .await
                    .unwrap();
            sqlx::Executor::execute(
                &mut admin,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
            )
            .await
            .unwrap();
        }
    }
}

/// Opens, answers and reveals a round: [`answered_round`], then the reveal.
pub async fn revealed_round(
    app: &TestApp,
    owner: &reqwest::Client,
    workspace: i64,
    title: &str,
    others: &[(&reqwest::Client, i64)],
    answer: impl Fn(&Value, usize) -> Value,
) -> (i64, String) {
    let (id, api) = answered_round(app, owner, workspace, title, others, answer).await;
    post_empty(owner, &format!("{api}/reveal"), 204).await;
    let session: Session = owner
        .get(format!("{api}/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .expect("the body is a Session");
    assert_eq!(session.round.id, id);
    assert_eq!(
        session.answers.len(),
        (others.len() + 1) * session.round.questions.len()
    );
    (id, api)
}

/// GETs `url` and returns the body as text.
pub async fn get_text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// GETs `url` and parses the body as JSON.
pub async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// POSTs an empty body to `url` and checks the status.
pub async fn post_empty(client: &reqwest::Client, url: &str, status: u16) {
    let response = client.post(url).send().await.unwrap();
    assert_eq!(response.status(), status, "POST {url}");
}

/// Opens a draft round titled `title` with `participants` (and its
/// creator); returns the round as the API answers it.
pub async fn create_round(
    app: &TestApp,
    owner: &reqwest::Client,
    workspace: i64,
    title: &str,
    participants: &[i64],
) -> Value {
    owner
        .post(app.url(&format!("/api/v1/workspaces/{workspace}/rounds")))
        .json(&json!({ "title": title, "participants": participants }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Opens a round with `owner` and each `(client, user id)` of `others`,
/// sends it, saves the answer `answer(question, who)` of everyone (who = 0 is
/// the owner, 1.. the others in order) to every question and submits.
/// Returns the round id and its API base URL.
pub async fn answered_round(
    app: &TestApp,
    owner: &reqwest::Client,
    workspace: i64,
    title: &str,
    others: &[(&reqwest::Client, i64)],
    answer: impl Fn(&Value, usize) -> Value,
) -> (i64, String) {
    let ids: Vec<i64> = others.iter().map(|(_, id)| *id).collect();
    let round = create_round(app, owner, workspace, title, &ids).await;
    let typed: Round = serde_json::from_value(round.clone()).expect("the body is a Round");
    let id = typed.id;
    let api = app.url(&format!("/api/v1/workspaces/{workspace}/rounds/{id}"));
    post_empty(owner, &format!("{api}/send"), 204).await;
    let everyone: Vec<&reqwest::Client> = std::iter::once(owner)
        .chain(others.iter().map(|(c, _)| *c))
        .collect();
    for question in round["questions"].as_array().unwrap() {
        let key = question["key"].as_str().unwrap();
        for (who, client) in everyone.iter().enumerate() {
            let saved = client
                .put(format!("{api}/answers/{key}"))
                .json(&json!({ "answer": answer(question, who) }))
                .send()
                .await
                .unwrap();
            assert_eq!(saved.status(), 200, "answer to {key} by participant {who}");
        }
    }
    for client in &everyone {
        post_empty(client, &format!("{api}/submit"), 204).await;
    }
    (id, api)
}

/// A text answer, or for a ranking question its options in the offered order.
pub fn text_or_offered_ranking(question: &Value, text: &str) -> Value {
    if question["kind"]["type"] == "ranking" {
        json!({ "type": "ranking", "value": question["kind"]["options"] })
    } else {
        json!({ "type": "text", "value": text })
    }
}

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// Makes `client` a calendar feed through the API; returns its URL.
pub async fn new_feed(app: &TestApp, client: &reqwest::Client) -> String {
    let made = client
        .post(app.url("/api/v1/me/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    made.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned()
}
