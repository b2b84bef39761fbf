//! End-to-end scenarios for the first screen: the real app in a real window.

use acure_e2e::{app_binary, running_instances, App, Device, Look};
use anyhow::{ensure, Result};
use profile_core::{Env, Mutation, ProfileStore};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The stored profile and outbox, read through the core after the app has quit.
async fn stored(device: &Device) -> Result<(profile_core::Profile, Vec<Mutation>)> {
    let store = ProfileStore::open(&device.database(), Env::system()).await?;
    let profile = store.profile().await?.expect("a profile was created");
    let pending = store
        .pending()
        .await?
        .into_iter()
        .map(|e| e.mutation)
        .collect();
    store.close().await;
    Ok((profile, pending))
}

#[tokio::test]
async fn edited_name_survives_a_restart() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let app = App::start("name-restart", &device, &look).await?;
    app.wait_text("#tab-profile", "Profile").await?;
    app.shot("first-start").await?;

    app.fill("#name", "  Ada Lovelace ").await?;
    app.wait_text("#name-status", "Not saved").await?;
    app.shot("unsaved").await?;
    app.click("#name-save").await?;
    app.wait_text("#name-status", "Saved").await?;
    app.wait_text("#header-name", "Ada Lovelace").await?;
    ensure!(
        app.value("#name").await? == "Ada Lovelace",
        "the field shows the trimmed name"
    );
    ensure!(
        app.text("#avatar-initials").await? == "AL",
        "initials follow the name"
    );
    app.shot("saved").await?;
    app.quit().await?;

    let app = App::start("name-restart", &device, &look).await?;
    ensure!(
        app.value("#name").await? == "Ada Lovelace",
        "the name is still there"
    );
    app.wait_text("#header-name", "Ada Lovelace").await?;
    app.shot("after-restart").await?;
    app.quit().await?;

    let (profile, outbox) = stored(&device).await?;
    ensure!(profile.name == "Ada Lovelace");
    ensure!(
        matches!(outbox.as_slice(), [Mutation::ProfileCreate(_), Mutation::PasswordSet(_),
            Mutation::SessionStart(_), Mutation::ProfileSet(set)]
            if set.name.as_deref() == Some("Ada Lovelace")),
        "outbox holds the first run (profile, password, session) and one profile.set: {outbox:?}"
    );
    Ok(())
}

#[tokio::test]
async fn bad_names_show_translated_errors_and_save_nothing() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let app = App::start("name-errors", &device, &look).await?;
    let original = app.value("#name").await?;

    app.fill("#name", "   ").await?;
    app.click("#name-save").await?;
    app.wait_text("#name-note", "Enter your name.").await?;
    ensure!(app.attr("#name", "aria-invalid").await?.as_deref() == Some("true"));
    app.wait_text("#header-name", &original).await?;
    app.shot("empty-en").await?;

    app.paste("#name", &"x".repeat(101)).await?;
    app.click("#name-save").await?;
    app.wait_text(
        "#name-note",
        "The name is too long: at most 100 characters.",
    )
    .await?;
    app.shot("too-long-en").await?;

    // The error on screen follows a language switch.
    app.choose("#language", "ru").await?;
    app.wait_text("#name-note", "Слишком длинное имя: не более 100 символов.")
        .await?;
    app.shot("too-long-ru").await?;
    app.fill("#name", "").await?;
    app.click("#name-save").await?;
    app.wait_text("#name-note", "Введите имя.").await?;
    app.shot("empty-ru").await?;
    app.quit().await?;

    let (profile, outbox) = stored(&device).await?;
    ensure!(profile.name == original, "the name was not changed");
    let names_saved = outbox
        .iter()
        .filter(|m| matches!(m, Mutation::ProfileSet(s) if s.name.is_some()))
        .count();
    ensure!(
        names_saved == 0,
        "no name change reached the outbox: {outbox:?}"
    );
    Ok(())
}

#[tokio::test]
async fn russian_applies_at_once_and_persists() -> Result<()> {
    let device = Device::new()?;
    let app = App::start("language", &device, &Look::english()).await?;
    app.wait_text("label[for=name]", "Name").await?;
    app.choose("#language", "ru").await?;
    app.wait_text("#tab-profile", "Профиль").await?;
    app.wait_text("label[for=name]", "Имя").await?;
    app.wait_text("#name-save", "Сохранить").await?;
    ensure!(app.js("return document.documentElement.lang").await? == "ru");
    app.shot("switched-to-ru").await?;
    app.quit().await?;

    // The stored choice wins over the OS locale, which is still English.
    let app = App::start("language", &device, &Look::english()).await?;
    app.wait_text("#tab-profile", "Профиль").await?;
    app.wait_text("#tab-api", "Доступ к API").await?;
    app.shot("ru-after-restart").await?;
    app.click("#tab-api").await?;
    app.wait_text("#tokens-local-title", "Токены открывают API сервера Acure")
        .await?;
    app.click("#tab-sessions").await?;
    app.wait_text("#sessions-active-title", "Активные сеансы")
        .await?;
    app.wait_text("#sessions-active .badge", "Текущий сеанс")
        .await?;
    app.shot("ru-sessions-tab").await?;
    app.quit().await?;
    Ok(())
}

/// Another program holds the store's write lock while the language is switched: the
/// window goes back to the stored language and says why next to the selector; once the
/// lock is gone the switch is saved.
#[tokio::test]
async fn a_language_that_cannot_be_saved_goes_back_and_says_why() -> Result<()> {
    use sqlx::Connection;
    let device = Device::new()?;
    let app = App::start("language-locked", &device, &Look::english()).await?;
    app.wait_text("label[for=name]", "Name").await?;
    let mut other =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", device.database().display()))
            .await?;
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut other).await?;
    app.choose("#language", "ru").await?;
    // The app waits out its busy timeout (10 s), then gives up.
    app.wait_until(
        "the language error shows",
        "return document.getElementById('language-error').textContent !== ''",
    )
    .await?;
    let error = app.text("#language-error").await?;
    ensure!(
        error.contains("in use by another program, so this change was not saved"),
        "the error says what holds the store: {error:?}"
    );
    ensure!(app.value("#language").await? == "en");
    ensure!(app.js("return document.documentElement.lang").await? == "en");
    app.wait_text("#tab-profile", "Profile").await?;
    app.shot("not-saved").await?;
    sqlx::query("ROLLBACK").execute(&mut other).await?;
    other.close().await?;

    app.choose("#language", "ru").await?;
    app.wait_text("#tab-profile", "Профиль").await?;
    app.wait_until(
        "the error is gone",
        "return document.getElementById('language-error').textContent === ''",
    )
    .await?;
    app.quit().await?;
    let (profile, _) = stored(&device).await?;
    ensure!(
        profile.language.code() == "ru",
        "saved: {:?}",
        profile.language
    );
    Ok(())
}

#[tokio::test]
async fn first_run_language_follows_the_os_locale() -> Result<()> {
    let russian = Device::new()?;
    let app = App::launch("locale-ru", &russian, &Look::russian()).await?;
    app.wait_text("#welcome-title", "Добро пожаловать в Acure Profile")
        .await?;
    app.shot("welcome").await?;
    app.create_local_profile(acure_e2e::PASSWORD).await?;
    app.wait_text("#tab-profile", "Профиль").await?;
    app.shot("first-run").await?;
    app.quit().await?;

    let bare = Device::new()?;
    let c_locale = Look {
        locale: "C".into(),
        dark: false,
    };
    let app = App::start("locale-c", &bare, &c_locale).await?;
    app.wait_text("#tab-profile", "Profile").await?;
    app.shot("first-run").await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn dark_os_theme_gives_a_dark_window() -> Result<()> {
    for (name, look) in [
        ("dark-en", Look::english().dark()),
        ("dark-ru", Look::russian().dark()),
    ] {
        let device = Device::new()?;
        let app = App::start(name, &device, &look).await?;
        let dark = app
            .js("return window.matchMedia('(prefers-color-scheme: dark)').matches")
            .await?;
        ensure!(dark == true, "the webview reports the OS dark theme");
        let bg = app
            .js("return getComputedStyle(document.body).backgroundColor")
            .await?;
        ensure!(
            bg == "rgb(18, 22, 28)",
            "the page uses the dark palette, got {bg}"
        );
        app.shot("profile").await?;
        app.fill("#name", "").await?;
        app.click("#name-save").await?;
        app.wait_until(
            "the error shows",
            "return document.getElementById('name-note').textContent !== ''",
        )
        .await?;
        app.shot("error").await?;
        app.quit().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_second_start_focuses_the_running_window() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let app = App::start("single-instance", &device, &look).await?;
    let binary = app_binary()?;
    ensure!(running_instances(&binary).len() == 1);

    let mut second = Command::new(&binary);
    second
        .envs(device.app_env(&look))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut second = second.spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            anyhow::bail!("the second start kept running instead of handing over");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    ensure!(status.success(), "the second start exits cleanly: {status}");
    ensure!(
        running_instances(&binary).len() == 1,
        "still exactly one app process"
    );
    ensure!(app.windows().await? == 1, "still exactly one window");
    ensure!(
        app.js("return document.getElementById('app').dataset.ready")
            .await?
            == "true"
    );
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn the_page_runs_no_inline_script_and_reaches_only_its_own_commands() -> Result<()> {
    let device = Device::new()?;
    let app = App::start("security", &device, &Look::english()).await?;
    // A script injected into the page (as an XSS would) is refused by the CSP.
    let inline_ran = app
        .js("const s = document.createElement('script');
             s.textContent = 'window.__inlineRan = true';
             document.body.append(s);
             return window.__inlineRan === true")
        .await?;
    ensure!(inline_ran == false, "inline scripts are blocked");
    // The dialog plugin is registered (Rust opens the file dialog), but the page is granted
    // none of it: it cannot open a dialog and learn paths by itself.
    let dialog_refused = app
        .js("return window.__TAURI__.core.invoke('plugin:dialog|open', { options: {} }).then(() => false, () => true)")
        .await?;
    ensure!(
        dialog_refused == true,
        "the page cannot call the dialog plugin"
    );
    // And a command outside the capability is refused even though the page can try it.
    let refused = app
        .js("return window.__TAURI__.core.invoke('plugin:app|version').then(() => false, () => true)")
        .await?;
    ensure!(refused == true, "core commands not granted are refused");
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn details_are_checked_next_to_each_field_and_saved() -> Result<()> {
    let device = Device::new()?;
    let look = Look::english();
    let app = App::start("details", &device, &look).await?;

    app.fill("#email", "anna@").await?;
    app.click("#email-save").await?;
    app.wait_text(
        "#email-note",
        "Enter an e-mail address like name@example.com.",
    )
    .await?;
    app.paste("#organization", &"O".repeat(201)).await?;
    app.click("#organization-save").await?;
    app.wait_text(
        "#organization-note",
        "The organization name is too long: at most 200 characters.",
    )
    .await?;
    app.fill("#phone", "8 912 345 67 89").await?;
    app.click("#phone-save").await?;
    app.wait_text(
        "#phone-note",
        "Add the country code, e.g. +7 912 345-67-89.",
    )
    .await?;
    ensure!(app.attr("#phone", "aria-invalid").await?.as_deref() == Some("true"));
    app.shot("errors-en").await?;
    app.choose("#language", "ru").await?;
    app.wait_text(
        "#email-note",
        "Введите адрес электронной почты вида name@example.com.",
    )
    .await?;
    app.wait_text("label[for=phone]", "Телефон").await?;
    app.shot("errors-ru").await?;
    app.choose("#language", "en").await?;

    for (field, typed) in [
        ("email", " anna@example.com "),
        ("organization", "Acure"),
        ("phone", "+7 912 345 67 89"),
    ] {
        app.fill(&format!("#{field}"), typed).await?;
        app.click(&format!("#{field}-save")).await?;
        app.wait_text(&format!("#{field}-status"), "Saved").await?;
    }
    ensure!(app.value("#email").await? == "anna@example.com");
    ensure!(
        app.value("#phone").await? == "+7 912 345-67-89",
        "the phone is shown formatted"
    );
    app.wait_text(
        "#phone-note",
        "Include the country code, e.g. +7 912 345-67-89.",
    )
    .await?;
    app.shot("saved").await?;

    // Leaving the tab with an unsaved edit asks first.
    app.fill("#organization", "Other Org").await?;
    app.click("#tab-sessions").await?;
    app.wait_until(
        "the unsaved-changes dialog opens",
        "return document.getElementById('confirm-dialog').open",
    )
    .await?;
    app.shot("leave-asks").await?;
    app.click("#confirm-dialog button[value=cancel]").await?;
    ensure!(
        app.js("return document.getElementById('panel-profile').hidden")
            .await?
            == false
    );
    ensure!(
        app.value("#organization").await? == "Other Org",
        "the edit is kept"
    );
    app.click("#tab-sessions").await?;
    app.click("#confirm-dialog button[value=confirm]").await?;
    app.wait_until(
        "the Sessions tab shows",
        "return !document.getElementById('panel-sessions').hidden",
    )
    .await?;
    app.click("#tab-profile").await?;
    ensure!(
        app.value("#organization").await? == "Acure",
        "the edit was discarded"
    );
    app.quit().await?;

    let app = App::start("details", &device, &look).await?;
    ensure!(app.value("#email").await? == "anna@example.com");
    ensure!(app.value("#organization").await? == "Acure");
    ensure!(app.value("#phone").await? == "+7 912 345-67-89");
    app.shot("after-restart").await?;
    app.quit().await?;

    let (profile, _) = stored(&device).await?;
    ensure!(
        profile.phone.as_deref() == Some("+79123456789"),
        "stored as E.164"
    );
    Ok(())
}

/// The start-up notice: heading, reason and location as shown, and the advice.
async fn store_notice(app: &App) -> Result<(String, String, String, String)> {
    Ok((
        app.text("#boot-error h1").await?,
        app.text("#boot-error h1 + p").await?,
        app.text("#boot-error-path").await?,
        app.text("#boot-error-todo").await?,
    ))
}

#[tokio::test]
async fn a_store_that_cannot_open_is_reported_in_the_window() -> Result<()> {
    let device = Device::new()?;
    // A file where the data directory should be: the store cannot be created.
    std::fs::write(device.data_dir(), b"not a directory")?;
    let location = device.data_dir().display().to_string();
    for (name, look, title, reason, advice) in [
        (
            "store-unavailable-en",
            Look::english(),
            "Your profile cannot be opened",
            "The profile database could not be opened.",
            "Check that every folder on the way to",
        ),
        (
            "store-unavailable-ru",
            Look::russian(),
            "Не удаётся открыть ваш профиль",
            "Не удалось открыть базу данных профиля.",
            "Проверьте, что все папки на пути к",
        ),
    ] {
        let app = App::launch(name, &device, &look).await?;
        ensure!(
            !app.started_normally().await?,
            "the start-up error is shown"
        );
        app.wait_text("#boot-error h1", title).await?;
        let (_, shown_reason, shown_path, shown_advice) = store_notice(&app).await?;
        ensure!(shown_reason == reason, "the reason: {shown_reason:?}");
        ensure!(shown_path == location, "the location: {shown_path:?}");
        ensure!(
            shown_advice.starts_with(advice) && shown_advice.contains(&location),
            "what to do, naming the place: {shown_advice:?}"
        );
        app.shot("notice").await?;
        app.quit().await?;
    }

    // A damaged database: the notice names the file and says to move it aside.
    let damaged = Device::new()?;
    std::fs::create_dir_all(damaged.data_dir())?;
    let garbage: Vec<u8> = (0..64 * 1024_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(damaged.database(), &garbage)?;
    let app = App::launch("store-corrupt-en", &damaged, &Look::english()).await?;
    app.wait_text("#boot-error h1", "Your profile cannot be opened")
        .await?;
    let (_, reason, path, advice) = store_notice(&app).await?;
    ensure!(reason == "The profile database is damaged or is not a database.");
    ensure!(path == damaged.database().display().to_string(), "{path}");
    ensure!(
        advice.starts_with("Quit Acure Profile and move the damaged file profile.sqlite3"),
        "{advice}"
    );
    app.shot("notice").await?;
    app.quit().await?;
    ensure!(
        std::fs::read(damaged.database())? == garbage,
        "the damaged file is left as it was"
    );
    Ok(())
}
