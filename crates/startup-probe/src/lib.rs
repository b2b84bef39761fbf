//! A start-up probe for benchmarks, linked into the app (cargo feature `startup-probe`) and into
//! the bare Tauri app it is compared with, so both are measured by the same code.
//!
//! With `ACURE_STARTUP_PROBE=1` in the environment a script runs in every page. Once the page
//! marks its first screen as shown (`<body data-screen="…">`, which the app sets for its
//! end-to-end tests too), the script waits two animation frames, so that the screen has been
//! painted, makes one IPC round trip to prove the app answers, and reports its timings. The
//! plugin prints the report as one line on standard output: `startup-probe: {json}`.
//! Without the variable the plugin adds nothing to the page.

use std::time::{SystemTime, UNIX_EPOCH};
use tauri::ipc::CapabilityBuilder;
use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

/// The variable that switches the probe on (value `1`).
pub const ENV: &str = "ACURE_STARTUP_PROBE";
/// What the report line starts with; the JSON after it has the fields set in `probe.js`,
/// plus `received`, when the report reached Rust. Times are milliseconds: `time_origin`
/// and `received` since the Unix epoch, the rest since `time_origin` (the page's navigation).
pub const LINE_PREFIX: &str = "startup-probe: ";

/// The round trip: a command that does nothing, answered like any other.
#[tauri::command]
fn ping() {}

/// The page's report, printed for whoever started the app.
#[tauri::command]
fn ready(mut report: serde_json::Value) {
    if let Some(fields) = report.as_object_mut() {
        fields.insert("received".into(), epoch_ms().into());
    }
    // Standard output is line-buffered, so the line leaves at once.
    println!("{LINE_PREFIX}{report}");
}

/// Milliseconds since the Unix epoch: the clock of the page's `performance.timeOrigin`.
fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The plugin; inert unless `ACURE_STARTUP_PROBE=1`.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    let builder =
        Builder::new("startup-probe").invoke_handler(tauri::generate_handler![ping, ready]);
    if std::env::var_os(ENV).is_none_or(|v| v != "1") {
        return builder.build();
    }
    builder
        .js_init_script(include_str!("probe.js"))
        // Granted at run time, so no capability file of the app has to name the probe.
        .setup(|app, _api| {
            app.add_capability(
                CapabilityBuilder::new("startup-probe")
                    .window("*")
                    .permission("startup-probe:default"),
            )?;
            Ok(())
        })
        .build()
}
