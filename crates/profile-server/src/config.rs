//! Which database to use and how to serve.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The SQLite file used when no database is named.
pub const DEFAULT_DATABASE: &str = "profile-server.sqlite3";
/// The address served on when none is named: loopback only, for a reverse proxy in front.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;
/// The longest a request may take, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Sign-ins verified at once per instance (each holds 19 MiB of Argon2 memory); more are
/// refused with `auth.throttled` rather than queued.
pub const SIGN_IN_CONCURRENCY: usize = 8;
/// Public API requests one personal token may make per second, sustained; bursts of five
/// seconds' worth are let through at once.
pub const API_REQUESTS_PER_SECOND: u32 = 20;

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…`).
    Postgres(String),
}

/// The database flags disagree or name something unknown.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Both a SQLite path and a database URL were given.
    #[error("give either --database (PROFILE_SERVER_DATABASE) or --database-url (DATABASE_URL), not both")]
    TwoDatabases,
    /// A URL of a kind we do not speak.
    #[error("unsupported database URL scheme in {0}; use postgres://… or a SQLite file path")]
    UnknownScheme(String),
}

impl DatabaseConfig {
    /// The database named by `--database` (a SQLite path, or any URL) or by
    /// `--database-url`; the default SQLite file when neither is given.
    pub fn resolve(database: Option<&str>, url: Option<&str>) -> Result<Self, ConfigError> {
        match (non_empty(database), non_empty(url)) {
            (Some(_), Some(_)) => Err(ConfigError::TwoDatabases),
            (Some(named), None) | (None, Some(named)) => Self::parse(named),
            (None, None) => Ok(Self::Sqlite(PathBuf::from(DEFAULT_DATABASE))),
        }
    }

    fn parse(named: &str) -> Result<Self, ConfigError> {
        if named.starts_with("postgres://") || named.starts_with("postgresql://") {
            return Ok(Self::Postgres(named.to_owned()));
        }
        if let Some(path) = named.strip_prefix("sqlite:") {
            return Ok(Self::Sqlite(PathBuf::from(
                path.strip_prefix("//").unwrap_or(path),
            )));
        }
        if named.contains("://") {
            return Err(ConfigError::UnknownScheme(redact(named)));
        }
        Ok(Self::Sqlite(PathBuf::from(named)))
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A URL with its password, if any, replaced by `***`, for logs and messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "SQLite file {}", path.display()),
            Self::Postgres(url) => write!(f, "PostgreSQL {}", redact(url)),
        }
    }
}

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// Whether to take the client address from `X-Forwarded-For` (behind a proxy only).
    pub trust_proxy: bool,
    /// Limits on every request.
    pub limits: Limits,
    /// What sends test notifications (which networks it may reach, which CAs it trusts).
    pub notifier: crate::notify::Notifier,
}

/// Limits on requests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest body, bytes.
    pub body_bytes: usize,
    /// The longest a request may take.
    pub timeout: Duration,
    /// Sign-ins verified at once.
    pub sign_in_concurrency: usize,
    /// Public API requests per second per personal token (sustained).
    pub api_requests_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: BODY_LIMIT_BYTES,
            timeout: REQUEST_TIMEOUT,
            sign_in_concurrency: SIGN_IN_CONCURRENCY,
            api_requests_per_second: API_REQUESTS_PER_SECOND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_sqlite_by_default_and_postgres_by_url() {
        let sqlite = |p: &str| DatabaseConfig::Sqlite(PathBuf::from(p));
        assert_eq!(
            DatabaseConfig::resolve(None, None).unwrap(),
            sqlite(DEFAULT_DATABASE)
        );
        assert_eq!(
            DatabaseConfig::resolve(Some("/var/lib/p.db"), None).unwrap(),
            sqlite("/var/lib/p.db")
        );
        assert_eq!(
            DatabaseConfig::resolve(None, Some("sqlite:///var/lib/p.db")).unwrap(),
            sqlite("/var/lib/p.db")
        );
        let url = "postgres://u:pw@db/profile";
        assert_eq!(
            DatabaseConfig::resolve(None, Some(url)).unwrap(),
            DatabaseConfig::Postgres(url.into())
        );
        assert!(DatabaseConfig::resolve(Some("a.db"), Some(url)).is_err());
        assert!(DatabaseConfig::resolve(None, Some("mysql://x")).is_err());
    }

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        let config = DatabaseConfig::Postgres("postgres://u:s3cret@db:5432/p".into());
        assert_eq!(format!("{config}"), "PostgreSQL postgres://u:***@db:5432/p");
        assert!(!format!("{config:?}").contains("s3cret"));
        assert_eq!(redact("postgres://db/p"), "postgres://db/p");
    }
}
