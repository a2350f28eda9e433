//! Start-up: open the store, migrate, build the app and serve it.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use parallax_app::{App, AppSettings};
use parallax_store::Store;
use parallax_web::{AppState, Metrics, WebSettings};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::settings::{Settings, redact_url};

/// Opens the database named by the settings and applies pending migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    if settings.database_url.is_empty() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let url = settings.database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&url)))?;
    store.migrate().await.context("database migration failed")?;
    Ok(store)
}

/// The use cases configured from the settings.
pub fn app(store: Store, settings: &Settings) -> App {
    App::new(
        store,
        AppSettings {
            session_ttl: settings.session_ttl(),
            invite_ttl: settings.invite_ttl(),
            open_signup: settings.open_signup,
            public_url: if settings.public_url.is_empty() {
                format!("http://{}", settings.listen)
            } else {
                settings.public_url.trim_end_matches('/').to_owned()
            },
            mail_retry: std::time::Duration::from_secs(settings.mail_retry_seconds),
        },
    )
}

/// A server running in this process.
#[derive(Debug)]
pub struct Running {
    /// Where it listens (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// Its use cases, for seeding and inspection.
    pub app: App,
    shutdown: oneshot::Sender<()>,
    handle: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<()>,
    scheduler: JoinHandle<()>,
    outbox: JoinHandle<()>,
}

impl Running {
    /// The base URL, e.g. `http://127.0.0.1:8080`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes requests in flight, closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.handle.await??;
        self.worker.abort();
        self.scheduler.abort();
        self.outbox.abort();
        self.app.store().close().await;
        Ok(())
    }
}

/// Opens the store, migrates and serves on `settings.listen`.
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    let store = open_store(settings).await?;
    serve_app(app(store, settings), settings).await
}

/// Serves an already configured app.
pub async fn serve_app(app: App, settings: &Settings) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let app = if settings.public_url.is_empty() {
        app.with_public_url(format!("http://{addr}"))
    } else {
        app
    };
    let state = AppState {
        app: app.clone(),
        settings: Arc::new(WebSettings {
            public_url: (!settings.public_url.is_empty()).then(|| settings.public_url.clone()),
            trusted_proxies: settings.trusted_proxies.clone(),
            metrics_token: (!settings.metrics_token.is_empty())
                .then(|| settings.metrics_token.clone()),
        }),
        metrics: Arc::new(Metrics::default()),
    };
    let worker = tokio::spawn(app.clone().run_analysis_worker());
    let scheduler = tokio::spawn(app.clone().run_scheduler());
    if !settings.smtp_url.is_empty() {
        let mailer = parallax_mail::SmtpMailer::new(&settings.smtp_url, &settings.mail_from)?;
        app.set_mailer(Arc::new(mailer));
    }
    let outbox = tokio::spawn(app.clone().run_outbox());
    let (shutdown, on_shutdown) = oneshot::channel::<()>();
    let handle = tokio::spawn(parallax_web::serve(listener, state, async move {
        let _ = on_shutdown.await;
    }));
    Ok(Running {
        addr,
        app,
        shutdown,
        handle,
        worker,
        scheduler,
        outbox,
    })
}

/// Makes the text model available without delaying start-up: loads it when
/// installed, else (if allowed) installs it in the background first. Until
/// then, and if anything fails, the lexical fallback is used.
pub fn load_model_in_background(app: &App, settings: &Settings) {
    let app = app.clone();
    let dir = settings.model_dir();
    let auto_install = settings.model_auto_install;
    tokio::spawn(async move {
        use parallax_app::analysis::ModelState;
        app.analyzer().set_state(ModelState::Loading);
        let loaded = tokio::task::spawn_blocking(move || -> Result<parallax_minilm::MiniLm, String> {
            if !parallax_minilm::is_installed(&dir) {
                if !auto_install {
                    return Err(format!("no model at {}; run `parallax model install`", dir.display()));
                }
                tracing::info!(dir = %dir.display(), "text model missing; installing it in the background");
                parallax_minilm::install(None, &dir, &mut |line: &str| tracing::info!(progress = line, "model install"))
                    .map_err(|e| e.to_string())?;
            }
            parallax_minilm::MiniLm::load(&dir).map_err(|e| e.to_string())
        })
        .await;
        match loaded {
            Ok(Ok(model)) => {
                tracing::info!("text model loaded; analysis uses MiniLM");
                if let Err(err) = app.set_embedder(std::sync::Arc::new(model)).await {
                    tracing::warn!(error = %err, "could not requeue analyses");
                }
            }
            Ok(Err(reason)) => {
                tracing::warn!(%reason, "text model unavailable; analysis uses the lexical fallback");
                app.analyzer().set_state(ModelState::Failed(reason));
            }
            Err(err) => app
                .analyzer()
                .set_state(ModelState::Failed(err.to_string())),
        }
    });
}
