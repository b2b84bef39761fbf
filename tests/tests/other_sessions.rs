//! End-to-end: sessions of other devices in the real window — listed with their address,
//! ended one by one, by a password change, and by «End all other sessions».
//!
//! Until the server lands, other devices' sessions cannot arrive by sync; the scenario puts
//! them into the store while the app is closed, as the sync client will.

use acure_e2e::{App, Device, Look, PASSWORD};
use anyhow::{ensure, Context, Result};
use profile_core::mutation::SessionStart;
use profile_core::{AccountStore, Env, Mutation, ProfileStore};

const SECOND: &str = "Ёжик-в-тумане-7";

/// Adds sessions of other devices (name, OS, address); this device stays signed in.
async fn seed_other_sessions(device: &Device, others: &[(&str, &str, &str)]) -> Result<()> {
    let store = ProfileStore::open(&device.database(), Env::system()).await?;
    let accounts = AccountStore::new(store.database().clone(), Env::system());
    let current = accounts.current_session().await?.context("signed in")?.id;
    let profile_id = store.existing_profile().await?.id;
    for (name, os, address) in others {
        store
            .commit(Mutation::SessionStart(SessionStart {
                session_id: uuid::Uuid::now_v7(),
                profile_id,
                device_name: (*name).into(),
                os: (*os).into(),
                app_version: "0.1.0".into(),
                address: Some((*address).into()),
            }))
            .await?;
    }
    // As a synced session.start, they sign nobody in on this device.
    let still = accounts
        .current_session()
        .await?
        .context("still signed in")?
        .id;
    ensure!(still == current, "this device keeps its own session");
    store.close().await;
    Ok(())
}

/// The device names listed under `list` ("active" or "ended"), top to bottom.
async fn listed(app: &App, list: &str) -> Result<Vec<String>> {
    let script = format!(
        "return [...document.querySelectorAll('#sessions-{list} .session [data-role=device]')]
            .map((el) => el.textContent)"
    );
    let names = app.js(&script).await?;
    Ok(names
        .as_array()
        .context("a list")?
        .iter()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect())
}

async fn wait_listed(app: &App, list: &str, count: usize) -> Result<()> {
    let script =
        format!("return document.querySelectorAll('#sessions-{list} .session').length === {count}");
    app.wait_until(&format!("{count} {list} sessions are listed"), &script)
        .await
}

async fn confirm(app: &App) -> Result<()> {
    app.wait_until(
        "the confirmation opens",
        "return document.getElementById('confirm-dialog').open",
    )
    .await?;
    app.shot("confirm").await?;
    app.click("#confirm-dialog button[value=confirm]").await
}

#[tokio::test]
async fn other_sessions_end_one_by_one_by_a_password_change_and_all_at_once() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    App::start("other-sessions", &device, &look)
        .await?
        .quit()
        .await?;
    seed_other_sessions(
        &device,
        &[
            ("anna-phone", "Android 15", "203.0.113.7"),
            ("office-pc", "Windows 11 Pro", "198.51.100.23"),
            ("anna-tablet", "iPadOS 18", "203.0.113.8"),
        ],
    )
    .await?;

    let app = App::start("other-sessions", &device, &look).await?;
    app.click("#tab-sessions").await?;
    wait_listed(&app, "active", 4).await?;
    let active = listed(&app, "active").await?;
    ensure!(
        app.js("return document.querySelector('#sessions-active .session').dataset.current")
            .await?
            == "true",
        "this device, just active, comes first: {active:?}"
    );
    ensure!(
        app.text("#sessions-active")
            .await?
            .contains("Address 203.0.113.7"),
        "the address a server saw is shown"
    );
    app.shot("four-active").await?;

    // One by one: the first other device listed.
    let first_other = listed(&app, "active").await?[1].clone();
    app.click("#sessions-active .session[data-current=false] [data-role=end]")
        .await?;
    app.wait_text(
        "#confirm-body",
        &format!("{first_other} will be signed out."),
    )
    .await?;
    confirm(&app).await?;
    wait_listed(&app, "active", 3).await?;
    ensure!(listed(&app, "ended").await? == [first_other]);
    app.wait_text(
        "#sessions-ended .session-times",
        "Started just now · Ended just now",
    )
    .await?;
    app.shot("one-ended").await?;

    // A password change ends the other two and keeps this one.
    app.click("#tab-profile").await?;
    app.paste("#current-password", PASSWORD).await?;
    app.paste("#new-password", SECOND).await?;
    app.click("#password-save").await?;
    app.wait_text(
        "#password-status",
        "Password changed. Other sessions were ended.",
    )
    .await?;
    app.click("#tab-sessions").await?;
    wait_listed(&app, "active", 1).await?;
    wait_listed(&app, "ended", 3).await?;
    let by_password = app
        .js(
            "return [...document.querySelectorAll('#sessions-ended .session-times')]
                .filter((el) => el.textContent.includes('Ended by a password change')).length",
        )
        .await?;
    ensure!(by_password == 2, "two were ended by the password change");
    ensure!(
        app.js("return document.getElementById('sessions-end-others').disabled")
            .await?
            == true,
        "nothing else to end"
    );
    app.shot("after-password-change").await?;
    app.choose("#language", "ru").await?;
    app.wait_text("#sessions-ended-title", "Завершённые сеансы")
        .await?;
    app.shot("after-password-change-ru").await?;
    app.quit().await?;

    // «End all other sessions» ends every other one at once.
    seed_other_sessions(
        &device,
        &[
            ("build-agent", "Debian GNU/Linux 12", "192.0.2.10"),
            ("anna-phone", "Android 15", "203.0.113.7"),
        ],
    )
    .await?;
    let app = App::start("other-sessions", &device, &look).await?;
    app.click("#tab-sessions").await?;
    wait_listed(&app, "active", 3).await?;
    app.click("#sessions-end-others").await?;
    app.wait_text("#confirm-title", "Завершить все другие сеансы?")
        .await?;
    confirm(&app).await?;
    wait_listed(&app, "active", 1).await?;
    ensure!(
        app.screen().await? == "profile",
        "this device stays signed in"
    );
    app.shot("others-ended-ru").await?;
    app.quit().await?;
    Ok(())
}
