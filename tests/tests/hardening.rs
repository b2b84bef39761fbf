//! End-to-end: what a hostile or unlucky profile must not do to the window — a time zone the
//! webview's own zone data lacks, and a session time JavaScript cannot represent.

use acure_e2e::{App, Device, Look, PATIENCE};
use anyhow::{ensure, Context, Result};
use profile_core::time_zone::TimeZoneCatalog;
use profile_core::{Env, ProfileStore};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Reloads the page (a restart of the UI) and waits until it has started again.
async fn reload(app: &App) -> Result<()> {
    // Marks the old page, so the wait below cannot be answered by it.
    app.js("document.body.dataset.screen = 'reloading'; setTimeout(() => location.reload(), 0);")
        .await?;
    let deadline = Instant::now() + PATIENCE;
    loop {
        // A poll that meets the unload fails in WebDriver: that is the reload, not an error.
        let started = app
            .js("return ['welcome', 'sign-in', 'profile', 'failed'].includes(document.body.dataset.screen)")
            .await;
        if matches!(started, Ok(Value::Bool(true))) {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the page did not start again: {started:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Scrolls the time-zone row into view for a screenshot.
async fn show_time_zone(app: &App) -> Result<()> {
    app.js("document.getElementById('time-zone').scrollIntoView({ block: 'center' })")
        .await
        .map(drop)
}

/// Asserts the profile screen shows with the zone's label and its clock.
async fn assert_renders(app: &App, zone: &str) -> Result<()> {
    ensure!(
        app.screen().await? == "profile",
        "{zone}: the window shows {:?}: {}",
        app.screen().await?,
        app.text("#boot-error").await.unwrap_or_default()
    );
    app.wait_until(
        &format!("{zone}: the clock and label show"),
        "return /\\d\\d:\\d\\d/.test(document.getElementById('time-zone-clock').textContent)
            && document.getElementById('time-zone').value.length > 0",
    )
    .await?;
    ensure!(
        app.js("return document.getElementById('section-failures').hidden")
            .await?
            == Value::Bool(true),
        "{zone}: a section failed: {}",
        app.text("#section-failures").await.unwrap_or_default()
    );
    Ok(())
}

#[tokio::test]
async fn every_catalogue_zone_renders_and_one_the_webview_lacks_survives_a_restart() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let app = App::start("zones", &device, &look).await?;
    let ids: Vec<&str> = TimeZoneCatalog::new().ids().collect();

    // Which of the catalogue's zones this webview's Intl cannot format.
    let lacking = app
        .js(&format!(
            "return {}.filter((zone) => {{
               try {{ new Intl.DateTimeFormat('en', {{ timeZone: zone }}); return false; }}
               catch {{ return true; }}
             }})",
            json!(ids)
        ))
        .await?;
    let lacking: Vec<String> = serde_json::from_value(lacking)?;
    println!("zones this webview's Intl lacks: {lacking:?}");

    // Every zone saved through IPC, as the page would.
    let refused = app
        .js_async(&format!(
            "const refused = [];
             for (const zone of {}) {{
               try {{ await window.__TAURI__.core.invoke('profile_set', {{ changes: {{ time_zone: zone }} }}); }}
               catch (e) {{ refused.push([zone, e]); }}
             }}
             return refused;",
            json!(ids)
        ))
        .await?;
    ensure!(refused == json!([]), "zones refused: {refused}");

    // The window starts on each zone the webview lacks, and on every 20th of the others.
    let sample = ids
        .iter()
        .enumerate()
        .filter(|(i, id)| lacking.iter().any(|l| l == *id) || i % 20 == 0)
        .map(|(_, id)| *id);
    for zone in sample {
        app.js_async(&format!(
            "await window.__TAURI__.core.invoke('profile_set', {{ changes: {{ time_zone: {} }} }});",
            json!(zone)
        ))
        .await?;
        reload(&app).await?;
        assert_renders(&app, zone).await?;
    }

    // A person picks Ciudad Juárez in the list, then restarts the app.
    app.click("#time-zone").await?;
    app.fill("#time-zone", "Ciudad").await?;
    app.wait_until(
        "Ciudad Juárez is offered",
        "return [...document.querySelectorAll('#time-zone-list [role=option]')]
            .some((o) => o.dataset.id === 'America/Ciudad_Juarez')",
    )
    .await?;
    app.js(
        "document.querySelector('#time-zone-list [data-id=\"America/Ciudad_Juarez\"]')
            .dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }))",
    )
    .await?;
    app.wait_text("#time-zone-status", "Saved").await?;
    show_time_zone(&app).await?;
    app.shot("ciudad-juarez-chosen").await?;
    app.quit().await?;

    let app = App::start("zones", &device, &look).await?;
    assert_renders(&app, "America/Ciudad_Juarez").await?;
    ensure!(
        app.value("#time-zone").await?.contains("Ciudad Ju"),
        "the label names the zone: {:?}",
        app.value("#time-zone").await?
    );
    show_time_zone(&app).await?;
    app.shot("ciudad-juarez-after-restart").await?;
    app.choose("#language", "ru").await?;
    app.wait_until(
        "the label follows the language",
        "return document.getElementById('time-zone').value.includes('Сьюдад')",
    )
    .await?;
    app.shot("ciudad-juarez-ru").await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn a_session_time_javascript_cannot_represent_hides_no_other_session() -> Result<()> {
    let device = Device::new()?;
    let look = Look::russian();
    App::start("bad-session-time", &device, &look)
        .await?
        .quit()
        .await?;

    // A second session whose start is past JavaScript's last date (±8.64e15 ms), as
    // hand-edited or (later) synced data could hold; the app is closed meanwhile.
    let store = ProfileStore::open(&device.database(), Env::system()).await?;
    let profile_id = store.existing_profile().await?.id;
    store
        .commit(profile_core::Mutation::SessionStart(
            profile_core::mutation::SessionStart {
                session_id: uuid::Uuid::now_v7(),
                profile_id,
                device_name: "far-future-tablet".into(),
                os: "Android 15".into(),
                app_version: "0.1.0".into(),
                address: None,
            },
        ))
        .await?;
    sqlx::query("UPDATE session SET started_at = ?, last_active_at = ? WHERE device_name = ?")
        .bind(9_000_000_000_000_000_i64)
        .bind(i64::MAX)
        .bind("far-future-tablet")
        .execute(store.database().pool())
        .await
        .context("hand-editing the session")?;
    store.close().await;

    let app = App::start("bad-session-time", &device, &look).await?;
    app.click("#tab-sessions").await?;
    app.wait_until(
        "both sessions are listed",
        "return document.querySelectorAll('#sessions-active .session').length === 2",
    )
    .await?;
    let names = app
        .js("return [...document.querySelectorAll('#sessions-active .session')].map((el) => el.textContent)")
        .await?;
    let names = names.to_string();
    ensure!(
        names.contains("far-future-tablet"),
        "the odd session is listed: {names}"
    );
    ensure!(
        app.js("return document.querySelector('#sessions-active .session[data-current=true]') !== null")
            .await?
            == Value::Bool(true),
        "this device's session is listed: {names}"
    );
    app.shot("odd-time-listed").await?;
    app.quit().await?;
    Ok(())
}
