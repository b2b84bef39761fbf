//! Acure Profile server: signs devices in and out, keeps their sessions, and gives
//! administrators a command line. SQLite by default, PostgreSQL for several instances.

pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod notify;
pub mod secret;
pub mod store;
pub mod sync;
pub mod throttle;

use crate::config::ServeConfig;
use crate::domain::Clock;
use crate::store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// The protocol version every request body names in `"protocol"`.
pub use profile_domain::sync::PROTOCOL;

/// Serves the HTTP API on `config.listen` until SIGTERM or Ctrl-C, then finishes the
/// requests under way.
pub async fn serve(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: ServeConfig,
) -> Result<(), cli::CliError> {
    let state = http::AppState::new(store, clock, config.trust_proxy, &config.limits)
        .await?
        .with_notifier(config.notifier.clone());
    let app = http::router(state, &config.limits);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(cli::CliError::Serve)?;
    let address = listener.local_addr().map_err(cli::CliError::Serve)?;
    tracing::info!(%address, trust_proxy = config.trust_proxy, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(cli::CliError::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
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
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests under way");
}
