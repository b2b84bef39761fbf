//! `profile-server`: serve the API, or administer users.

use clap::Parser;
use profile_server::cli::{self, Cli, CliError};
use profile_server::error::ServerError;
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("profile-server: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("profile-server: {}", describe(&err));
            ExitCode::FAILURE
        }
    }
}

/// A refusal in words with its code and field; anything else with its causes.
fn describe(err: &CliError) -> String {
    match err {
        CliError::Server(e) if !e.is_internal() => {
            let code = e.code();
            match e.field() {
                Some(field) => format!("{} [{code}, {field}]", code.english()),
                None => format!("{} [{code}]", code.english()),
            }
        }
        CliError::Server(ServerError::Store(e)) => {
            let mut text = format!("storage failure: {e}");
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
        other => other.to_string(),
    }
}
