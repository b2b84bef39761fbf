//! The command line: `serve`, and `user …` for administrators.

use crate::config::{
    ConfigError, DatabaseConfig, Limits, ServeConfig, API_REQUESTS_PER_SECOND, DEFAULT_LISTEN,
};
use crate::domain::{fields, password_hash, password_rules, Clock, Env, Password, SystemClock};
use crate::error::ServerError;
use crate::store::{self, email_key, NewUser, Store};
use clap::{Args, Parser, Subcommand};
use profile_domain::channel::{Catalog, Channel};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::sync::Arc;

/// The Acure Profile server.
#[derive(Debug, Parser)]
#[command(name = "profile-server", version, about)]
pub struct Cli {
    /// Where the data lives.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The database flags, shared by every command.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// SQLite file (created if missing); the default is ./profile-server.sqlite3.
    #[arg(
        long,
        global = true,
        env = "PROFILE_SERVER_DATABASE",
        value_name = "PATH"
    )]
    pub database: Option<String>,
    /// PostgreSQL URL, e.g. postgres://user:password@host/profile.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// The database these flags name.
    pub fn config(&self) -> Result<DatabaseConfig, ConfigError> {
        DatabaseConfig::resolve(self.database.as_deref(), self.database_url.as_deref())
    }
}

/// A command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the HTTP API (TLS is a reverse proxy's job).
    Serve(ServeArgs),
    /// Manages users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manages the notification channel catalog.
    #[command(subcommand)]
    Channel(ChannelCommand),
}

/// `channel …`.
#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Adds a channel from a JSON definition (see the README); clients get it at their next
    /// sync.
    Add {
        /// The definition: `{"id", "name": {"en", "ru"}, "kind", "multiple", "instructions"}`.
        #[arg(long, value_name = "PATH")]
        file: std::path::PathBuf,
    },
    /// Lists the catalog: built-in channels, then added ones.
    List,
    /// Removes an added channel (contacts on it stay, shown as no longer offered).
    Remove {
        /// The channel's id.
        id: String,
    },
}

/// `serve`'s flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on.
    #[arg(long, env = "PROFILE_SERVER_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long)]
    pub trust_proxy: bool,
    /// Public API requests per second one personal token may make (bursts of 5 s worth).
    #[arg(long, env = "PROFILE_SERVER_API_RATE", default_value_t = API_REQUESTS_PER_SECOND,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub api_rate: u32,
    /// Let test notifications reach loopback and private addresses (webhooks inside the
    /// company's network). Off: only public addresses are sent to.
    #[arg(long, env = "PROFILE_SERVER_WEBHOOKS_TO_PRIVATE_NETWORKS")]
    pub webhooks_to_private_networks: bool,
    /// A PEM file of certificate authorities to trust for webhooks, besides the system's.
    #[arg(long, env = "PROFILE_SERVER_WEBHOOK_CA_FILE", value_name = "PATH")]
    pub webhook_ca_file: Option<std::path::PathBuf>,
}

/// `user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds a user; the password is asked for (or read from stdin).
    Add {
        /// E-mail address (the sign-in name).
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lists users.
    List,
    /// Disables a user and ends their sessions.
    Disable {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Sets a new password and ends all of the user's sessions.
    ResetPassword {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Makes a user an administrator.
    GrantAdmin {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// A command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The flags are inconsistent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The operation was refused or failed.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// Reading the password failed.
    #[error("cannot read the password: {0}")]
    Input(#[source] std::io::Error),
    /// Serving failed.
    #[error("cannot serve: {0}")]
    Serve(#[source] std::io::Error),
    /// A channel definition file could not be read or is not JSON of a channel.
    #[error("cannot read the channel definition: {0}")]
    Definition(String),
    /// The webhook CA file could not be read or holds no certificate.
    #[error("cannot read the webhook CA file: {0}")]
    CaFile(String),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let database = cli.database.config()?;
    let store = store::open(&database).await.map_err(ServerError::from)?;
    let result = match cli.command {
        Command::Serve(args) => {
            let config = ServeConfig {
                listen: args.listen,
                trust_proxy: args.trust_proxy,
                limits: Limits {
                    api_requests_per_second: args.api_rate,
                    ..Limits::default()
                },
                notifier: notifier(&args)?,
            };
            tracing::info!(%database, "database ready");
            crate::serve(store.clone(), Arc::new(SystemClock), config).await
        }
        Command::User(command) => user(store.as_ref(), command).await,
        Command::Channel(command) => channel(store.as_ref(), command).await,
    };
    store.close().await;
    result
}

async fn user(store: &dyn Store, command: UserCommand) -> Result<(), CliError> {
    let now = SystemClock.now_ms();
    let mut out = std::io::stdout().lock();
    match command {
        UserCommand::Add {
            email,
            name,
            admin,
            password_stdin,
        } => {
            let name = fields::name(&name).map_err(ServerError::from)?;
            let email = fields::email(&email)
                .map_err(ServerError::from)?
                .ok_or_else(|| ServerError::Invalid(empty_email()))?;
            let password = read_password(password_stdin)?;
            password_rules::validate(&password, None).map_err(ServerError::from)?;
            let env = Env::system();
            let user = NewUser {
                id: crate::domain::new_id(&env).to_string(),
                email,
                name,
                password_hash: hash(password, env).await?,
                is_admin: admin,
                now,
            };
            store.create_user(&user).await.map_err(ServerError::from)?;
            let _ = writeln!(out, "added {} ({})", user.email, user.id);
        }
        UserCommand::List => {
            let users = store.list_users().await.map_err(ServerError::from)?;
            let _ = write_table(&mut out, &users);
        }
        UserCommand::Disable { email } => {
            store
                .disable_user(&email_key(&email), now)
                .await
                .map_err(ServerError::from)?;
            let _ = writeln!(out, "disabled {}; their sessions have ended", email.trim());
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let key = email_key(&email);
            // Refused before the password is asked for.
            store
                .user_by_email_key(&key)
                .await
                .map_err(ServerError::from)?
                .ok_or(ServerError::UserNotFound)?;
            let password = read_password(password_stdin)?;
            password_rules::validate(&password, None).map_err(ServerError::from)?;
            let new_hash = hash(password, Env::system()).await?;
            store
                .reset_password(&key, &new_hash, now)
                .await
                .map_err(ServerError::from)?;
            let _ = writeln!(
                out,
                "new password set for {}; their sessions have ended",
                email.trim()
            );
        }
        UserCommand::GrantAdmin { email } => {
            store
                .grant_admin(&email_key(&email), now)
                .await
                .map_err(ServerError::from)?;
            let _ = writeln!(out, "{} is now an administrator", email.trim());
        }
    }
    Ok(())
}

/// The test-notification sender `serve`'s flags describe.
fn notifier(args: &ServeArgs) -> Result<crate::notify::Notifier, CliError> {
    let mut notifier = crate::notify::Notifier::new();
    if args.webhooks_to_private_networks {
        notifier = notifier.to_private_networks();
    }
    if let Some(path) = &args.webhook_ca_file {
        let unreadable = |why: String| CliError::CaFile(format!("{}: {why}", path.display()));
        let pem = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
        notifier = notifier.trusting(&pem).map_err(unreadable)?;
    }
    Ok(notifier)
}

async fn channel(store: &dyn Store, command: ChannelCommand) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match command {
        ChannelCommand::Add { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::Definition(format!("{}: {e}", file.display())))?;
            let channel: Channel = serde_json::from_str(&text)
                .map_err(|e| CliError::Definition(format!("{}: {e}", file.display())))?;
            let channel = channel.checked().map_err(ServerError::from)?;
            store
                .add_channel(&channel, SystemClock.now_ms())
                .await
                .map_err(ServerError::from)?;
            let _ = writeln!(out, "added channel {} ({})", channel.id, channel.name.en);
        }
        ChannelCommand::List => {
            let catalog = store.catalog().await.map_err(ServerError::from)?;
            let _ = writeln!(out, "catalog version {}", catalog.version);
            for c in &catalog.channels {
                let origin = if Catalog::is_built_in(&c.id) {
                    "built-in"
                } else {
                    "added"
                };
                let _ = writeln!(
                    out,
                    "{:<16} {:<20} {:<24} {origin}",
                    c.id,
                    c.kind.as_str(),
                    c.name.en
                );
            }
        }
        ChannelCommand::Remove { id } => {
            if Catalog::is_built_in(&id) {
                return Err(
                    ServerError::Invalid(crate::domain::ValidationError::general(
                        crate::domain::ErrorCode::ChannelBuiltIn,
                    ))
                    .into(),
                );
            }
            store.remove_channel(&id).await.map_err(ServerError::from)?;
            let _ = writeln!(out, "removed channel {id}");
        }
    }
    Ok(())
}

fn empty_email() -> crate::domain::ValidationError {
    crate::domain::ValidationError::new(crate::domain::ErrorCode::ProfileEmailInvalid, "email")
}

async fn hash(password: Password, env: Env) -> Result<String, ServerError> {
    crate::http::blocking(move || password_hash::hash(&password, &env))
        .await?
        .map_err(|e| ServerError::Hashing(e.to_string()))
}

/// The new password: the first line of stdin, or typed twice at a prompt without echo.
fn read_password(from_stdin: bool) -> Result<Password, CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::Input)?;
        let password = Password::new(line.trim_end_matches(['\n', '\r']));
        line.clear();
        return Ok(password);
    }
    let first =
        Password::new(rpassword::prompt_password("New password: ").map_err(CliError::Input)?);
    let again = Password::new(rpassword::prompt_password("Repeat it: ").map_err(CliError::Input)?);
    password_rules::confirm(&first, &again).map_err(ServerError::from)?;
    Ok(first)
}

/// `user list` as an aligned table.
fn write_table(out: &mut impl Write, users: &[store::UserListing]) -> std::io::Result<()> {
    let header = [
        "ID",
        "E-MAIL",
        "NAME",
        "ADMIN",
        "DISABLED",
        "ACTIVE SESSIONS",
    ];
    let rows: Vec<[String; 6]> = users
        .iter()
        .map(|u| {
            [
                u.id.clone(),
                u.email.clone(),
                u.name.clone(),
                yes_no(u.is_admin != 0),
                yes_no(u.disabled_at.is_some()),
                u.active_sessions.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&header))?;
    for row in &rows {
        writeln!(out, "{}", line(&row.each_ref().map(String::as_str)))?;
    }
    Ok(())
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}
