//! `parallax`: the server and its operations commands.

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
    /// Print an annotated example settings file (or, with --effective, the
    /// settings in force, secrets hidden).
    Config {
        #[command(flatten)]
        flags: ServerFlags,
        /// Show the settings in force instead of the example.
        #[arg(long)]
        effective: bool,
    },
}

fn init_logs(format: &str) {
    let filter = EnvFilter::try_from_env("PARALLAX_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
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
        Command::Config { flags, effective } => {
            if effective {
                let s = Settings::load(cli.config.as_deref(), &flags.overrides())?;
                println!("listen = \"{}\"", s.listen);
                println!("data_dir = \"{}\"", s.data_dir.display());
                println!("database_url = \"{}\"", redact_url(&s.database_url()));
                println!("public_url = \"{}\"", s.public_url);
                println!(
                    "trusted_proxies = {:?}",
                    s.trusted_proxies
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                );
                println!("open_signup = {}", s.open_signup);
                println!("session_hours = {}", s.session_hours);
                println!("invite_days = {}", s.invite_days);
                println!("log_format = \"{}\"", s.log_format);
            } else {
                print!("{EXAMPLE}");
            }
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
