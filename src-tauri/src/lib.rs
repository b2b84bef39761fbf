//! The Acure Profile desktop app: window, state and thin commands over `profile-core`.

pub mod args;
pub mod boot;
pub mod clock;
pub mod commands;
pub mod error;
pub mod first_run;
pub mod log;
pub mod picker;
pub mod state;

use tauri::{Builder, Manager, Runtime};

/// Environment variable that moves the app's data directory (tests use a temporary one).
pub const DATA_DIR_ENV: &str = "ACURE_PROFILE_DATA_DIR";

/// Registers every command the UI may call (the capability files decide which it can).
pub fn with_commands<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::profile::profile_get,
        commands::profile::profile_set,
        commands::i18n::ui_strings,
        commands::avatar::avatar_choose,
        commands::avatar::avatar_save,
        commands::avatar::avatar_remove,
        commands::avatar::avatar_cancel,
        commands::time_zone::time_zones_search,
        commands::time_zone::time_zone_describe,
        commands::security::account_status,
        commands::security::account_create,
        commands::security::sign_in,
        commands::security::password_check,
        commands::security::password_change,
        commands::sessions::sessions_list,
        commands::sessions::session_end,
        commands::sessions::sessions_end_others,
        commands::sessions::sessions_end_all,
        commands::server::server_sign_in,
        commands::server::server_sign_out,
        commands::server::sync_status,
        commands::server::sync_now,
        commands::server::secret_notice_seen,
        commands::server::sync_review,
        commands::server::sync_decide,
        commands::tokens::tokens_list,
        commands::tokens::token_issue,
        commands::tokens::token_copy,
        commands::tokens::token_forget,
        commands::tokens::token_edit,
        commands::tokens::token_revoke,
        commands::tokens::token_remove,
        commands::channels::contacts_list,
        commands::channels::contact_save,
        commands::channels::contact_remove,
        commands::channels::contact_test,
    ])
}

/// The app's context from the root `tauri.conf.json`: config, embedded UI, ACL.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Opens the local store in the data directory; a failure says which file and why.
fn open_state<R: Runtime>(
    app: &tauri::AppHandle<R>,
    log_file: &log::LogFile,
) -> Result<state::AppState, boot::BootFailure> {
    let data_dir = state::data_dir(app)?;
    if let Err(err) = log_file.attach(&data_dir) {
        // Not fatal: the log still reaches stderr.
        tracing::warn!(error = %err, "the log file could not be opened");
    }
    let state = tauri::async_runtime::block_on(state::AppState::open(
        &data_dir,
        first_run::detect(),
        first_run::device(),
    ))?;
    tracing::info!(data_dir = %data_dir.display(), "store opened");
    Ok(state)
}

/// Starts the app and blocks until it quits.
pub fn run() {
    let log_file = log::init();

    let builder = Builder::default()
        // Must be the first plugin: a second start only focuses this window and exits,
        // so two processes never write one store.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        // Used from Rust only (the avatar picker); the webview is granted nothing of it.
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .setup(move |app| {
            // On failure the window still opens, and the first command reports which file
            // could not be opened and why, in the user's language; the cause goes to the log.
            boot::manage(app.handle(), open_state(app.handle(), &log_file));
            // A linked device syncs from the start, off the window's path.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Some(state) = handle.try_state::<state::AppState>() {
                    if let Err(err) = state.start_sync().await {
                        tracing::warn!(error = %err, "sync could not start");
                    }
                }
            });
            Ok(())
        });
    // Benchmark builds only (`cargo xtask bench startup`): times the first screen.
    #[cfg(feature = "startup-probe")]
    let builder = builder.plugin(tauri_plugin_startup_probe::init());
    with_commands(builder)
        .run(context())
        .expect("the Tauri runtime failed to start");
}
