//! End-to-end scenarios for the avatar and the time zone, in the real window.

use acure_e2e::{App, Device, Look};
use anyhow::{ensure, Result};
use profile_core::{Env, Mutation, ProfileStore};
use std::path::PathBuf;

/// A 1200×800 photo-like PNG (a smooth gradient with a bright square near the right).
fn landscape_png(device: &Device) -> Result<PathBuf> {
    let img = image::RgbImage::from_fn(1200, 800, |x, y| {
        if (900..1000).contains(&x) && (300..400).contains(&y) {
            image::Rgb([250, 210, 40])
        } else {
            image::Rgb([(x / 5) as u8, (y / 4) as u8, 150])
        }
    });
    let path = device.scratch().join("landscape.png");
    img.save(&path)?;
    Ok(path)
}

#[tokio::test]
async fn avatar_is_chosen_cropped_saved_and_removed() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let too_large = device.scratch().join("huge.jpg");
    std::fs::write(&too_large, vec![0u8; 5 * 1024 * 1024 + 1])?;
    let photo = landscape_png(&device)?;
    device.queue_picks(&[&too_large, &photo])?;

    let app = App::start("avatar", &device, &look).await?;
    app.click("#avatar").await?;
    app.wait_until(
        "the avatar dialog opens",
        "return document.getElementById('avatar-dialog').open",
    )
    .await?;
    app.shot("dialog-empty").await?;

    app.click("#avatar-choose").await?;
    app.wait_text(
        "#avatar-note",
        "The file is 5.0 MB (5,242,881 bytes); at most 5 MB is allowed.",
    )
    .await?;
    app.shot("too-large").await?;

    app.click("#avatar-choose").await?;
    app.wait_until(
        "the picture shows for cropping",
        "return document.getElementById('crop-stage').dataset.empty === 'false'",
    )
    .await?;
    // Keyboard: move the frame right and make it smaller.
    app.js("document.getElementById('crop-frame').focus()")
        .await?;
    let frame = app
        .client
        .find(fantoccini::Locator::Id("crop-frame"))
        .await?;
    for key in ["-", "-", "-", "\u{E014}", "\u{E014}", "\u{E014}"] {
        frame.send_keys(key).await?;
    }
    // 1200×800 starts with the centred 800 square at x 200; a step is 8 px (1% of 800).
    // Three "−" shrink it by 16 around its centre, three "→" move it 24 to the right.
    let square = app
        .attr("#crop-frame", "data-square")
        .await?
        .unwrap_or_default();
    ensure!(
        square == "248,24,752",
        "the keyboard moved and resized the frame: {square}"
    );
    app.shot("cropping").await?;

    app.click("#avatar-save").await?;
    app.wait_until(
        "the dialog closes",
        "return !document.getElementById('avatar-dialog').open",
    )
    .await?;
    app.wait_until(
        "the header shows the avatar",
        "const img = document.getElementById('avatar-image'); return !img.hidden && img.naturalWidth === 512",
    )
    .await?;
    app.shot("saved").await?;
    app.quit().await?;

    let app = App::start("avatar", &device, &look).await?;
    app.wait_until(
        "the avatar is still there",
        "const img = document.getElementById('avatar-image'); return !img.hidden && img.naturalWidth === 512",
    )
    .await?;
    app.shot("after-restart").await?;
    app.click("#avatar").await?;
    app.click("#avatar-remove").await?;
    app.wait_until(
        "initials return",
        "return document.getElementById('avatar-image').hidden && !document.getElementById('avatar-initials').hidden",
    )
    .await?;
    app.shot("removed").await?;
    app.quit().await?;

    let store = ProfileStore::open(&device.database(), Env::system()).await?;
    let names: Vec<&str> = store
        .pending()
        .await?
        .iter()
        .map(|e| e.mutation.name())
        .collect();
    store.close().await;
    ensure!(
        names
            == [
                "profile.create",
                "password.set",
                "session.start",
                "avatar.set",
                "avatar.remove"
            ],
        "the first run, then one mutation per change: {names:?}"
    );
    let _ = Mutation::name; // the outbox speaks in mutation names
    Ok(())
}

#[tokio::test]
async fn time_zone_is_found_by_typing_and_kept() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let app = App::start("time-zone", &device, &look).await?;
    app.click("#time-zone").await?;
    app.fill("#time-zone", "Москва").await?;
    app.wait_until(
        "Moscow is offered first",
        "return document.querySelector('#time-zone-list [role=option]')?.dataset.id === 'Europe/Moscow'",
    )
    .await?;
    app.shot("typed-moskva").await?;
    app.fill("#time-zone", "+03").await?;
    app.wait_until(
        "an offset search offers Moscow",
        "return [...document.querySelectorAll('#time-zone-list [role=option]')].some(o => o.dataset.id === 'Europe/Moscow')",
    )
    .await?;
    app.fill("#time-zone", "Moscow").await?;
    app.wait_until(
        "Moscow is offered first",
        "return document.querySelector('#time-zone-list [role=option]')?.dataset.id === 'Europe/Moscow'",
    )
    .await?;
    let input = app
        .client
        .find(fantoccini::Locator::Id("time-zone"))
        .await?;
    input.send_keys("\u{E007}").await?; // Enter
    app.wait_text("#time-zone-status", "Saved").await?;
    ensure!(app.value("#time-zone").await?.contains("Moscow"));
    app.shot("saved").await?;
    app.choose("#language", "ru").await?;
    app.wait_until(
        "the zone label follows the language",
        "return document.getElementById('time-zone').value.includes('Москва')",
    )
    .await?;
    app.shot("saved-ru").await?;
    app.quit().await?;

    let store = ProfileStore::open(&device.database(), Env::system()).await?;
    let profile = store.profile().await?.expect("profile");
    store.close().await;
    ensure!(profile.time_zone == "Europe/Moscow");
    Ok(())
}

#[tokio::test]
async fn the_profile_tab_reads_well_in_russian_and_dark() -> Result<()> {
    let device = Device::new()?;
    let photo = landscape_png(&device)?;
    device.queue_picks(&[&photo])?;
    let app = App::start("profile-ru-dark", &device, &Look::russian().dark()).await?;
    app.wait_text("#additional-title", "Дополнительная информация")
        .await?;
    app.click("#avatar").await?;
    app.click("#avatar-choose").await?;
    app.wait_until(
        "the picture shows for cropping",
        "return document.getElementById('crop-stage').dataset.empty === 'false'",
    )
    .await?;
    app.wait_text("#avatar-save", "Сохранить").await?;
    app.shot("avatar-dialog").await?;
    app.click("#avatar-cancel").await?;
    app.click("#time-zone").await?;
    app.fill("#time-zone", "Калькутта").await?;
    app.wait_until(
        "Kolkata is offered",
        "return document.querySelector('#time-zone-list [role=option]')?.dataset.id === 'Asia/Kolkata'",
    )
    .await?;
    app.shot("time-zone-search").await?;
    app.quit().await?;
    Ok(())
}
