//! End-to-end: the app on a real `profile-server` (SQLite, loopback), in the real window —
//! signing in, edits made offline reaching the server, another device's change arriving, a
//! conflict settled with «Use mine», a session ended elsewhere signing the window out with
//! its unsent change sealed, linking a local profile, and the keychain (a real Secret
//! Service, or none and the 0600 file with its one-time notice).

use acure_e2e::{App, Device, Keychain, Look, PrivateBus, Server, SyncClient};
use anyhow::{ensure, Context, Result};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};

const EMAIL: &str = "anna@example.com";
const OTHER_EMAIL: &str = "boris@example.com";
const SERVER_PASSWORD: &str = "Server-Pass-2026";

/// One language's texts the scenarios check.
struct Texts {
    synced: &'static str,
    pending_two: &'static str,
    offline: &'static str,
    error: &'static str,
    not_acure: &'static str,
}

const ENGLISH: Texts = Texts {
    synced: "Synced at",
    pending_two: "2 changes pending",
    offline: "Offline",
    error: "Sync error",
    not_acure: "This address does not answer like an Acure Profile server.",
};

const RUSSIAN: Texts = Texts {
    synced: "Синхронизировано в",
    pending_two: "Изменений ждут отправки: 2",
    offline: "Нет связи",
    error: "Ошибка синхронизации",
    not_acure: "По этому адресу отвечает не сервер Acure Profile.",
};

fn picture(device: &Device) -> Result<PathBuf> {
    let img = image::RgbImage::from_fn(600, 600, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 3) as u8, 120])
    });
    let path = device.scratch().join("face.png");
    img.save(&path)?;
    Ok(path)
}

/// Reads one value from the app's database (opened beside the running app: WAL allows it).
async fn query(device: &Device, sql: &str) -> Result<Option<String>> {
    let mut conn = SqliteConnectOptions::new()
        .filename(device.database())
        .read_only(true)
        .connect()
        .await?;
    let value: Option<Option<String>> = sqlx::query_scalar(sql).fetch_optional(&mut conn).await?;
    conn.close().await?;
    Ok(value.flatten())
}

async fn count(device: &Device, sql: &str) -> Result<i64> {
    query(device, &format!("SELECT CAST(({sql}) AS TEXT)"))
        .await?
        .context("a count")?
        .parse()
        .context("a number")
}

/// Waits until the server has taken every change of the window (its outbox is empty).
async fn wait_sent(device: &Device) -> Result<()> {
    let deadline = std::time::Instant::now() + acure_e2e::PATIENCE;
    let sql = "SELECT COUNT(*) FROM outbox WHERE state = 'pending'";
    while count(device, sql).await? > 0 {
        ensure!(
            std::time::Instant::now() < deadline,
            "the window's changes were not sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The header's sync state (`data-state`).
async fn wait_sync(app: &App, state: &str) -> Result<()> {
    app.wait_until(
        &format!("the header shows «{state}»"),
        &format!("return document.getElementById('sync-status').dataset.state === '{state}'"),
    )
    .await
}

async fn wait_header_text(app: &App, part: &str) -> Result<()> {
    app.wait_until(
        &format!("the header says «{part}»"),
        &format!(
            "return document.getElementById('sync-text').textContent.includes({})",
            serde_json::json!(part)
        ),
    )
    .await
}

/// Waits until the header says two changes wait; otherwise names the waiting ones.
async fn wait_pending_two(app: &App, device: &Device, texts: &Texts) -> Result<()> {
    if let Err(err) = wait_header_text(app, texts.pending_two).await {
        let waiting = query(
            device,
            "SELECT group_concat(name || ' ' || substr(payload, 1, 60), ' | ') FROM outbox \
             WHERE state = 'pending'",
        )
        .await?;
        return Err(err.context(format!("waiting: {waiting:?}")));
    }
    Ok(())
}

/// Fills the server form whose ids start with `prefix` and submits it.
async fn server_form(app: &App, prefix: &str, url: Option<&str>, password: &str) -> Result<()> {
    if let Some(url) = url {
        app.fill(&format!("#{prefix}-server_url"), url).await?;
    }
    app.fill(&format!("#{prefix}-email"), EMAIL).await?;
    app.paste(&format!("#{prefix}-password"), password).await?;
    app.click(&format!("#{prefix}-submit")).await
}

/// Saves `value` in the profile field `field` with its own «Save».
async fn save_field(app: &App, field: &str, value: &str) -> Result<()> {
    app.fill(&format!("#{field}"), value).await?;
    app.click(&format!("#{field}-save")).await?;
    app.wait_until(
        &format!("{field} is saved"),
        &format!("return document.getElementById('{field}-status').dataset.state === 'saved'"),
    )
    .await
}

async fn set_avatar(app: &App, device: &Device) -> Result<()> {
    device.queue_picks(&[&picture(device)?])?;
    app.click("#avatar").await?;
    app.click("#avatar-choose").await?;
    app.wait_until(
        "the picture shows for cropping",
        "return document.getElementById('crop-stage').dataset.empty === 'false'",
    )
    .await?;
    app.click("#avatar-save").await?;
    app.wait_until(
        "the avatar dialog closes",
        "return !document.getElementById('avatar-dialog').open",
    )
    .await
}

/// Every file under `root` that contains `needle`.
fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
            {
                found.push(path);
            }
        }
    }
    found
}

/// The sync client id (server session) the app's store is numbered for.
async fn app_session(device: &Device) -> Result<uuid::Uuid> {
    let id = query(device, "SELECT client_id FROM sync_client WHERE id = 1")
        .await?
        .context("the app is linked")?;
    Ok(uuid::Uuid::parse_str(&id)?)
}

async fn open_review(app: &App) -> Result<()> {
    app.wait_until(
        "the header offers a review",
        "return !document.getElementById('review-open').hidden",
    )
    .await?;
    app.click("#review-open").await?;
    app.wait_until(
        "the review opens",
        "return document.getElementById('review-dialog').open",
    )
    .await
}

/// Closes the review once the decision made in list `list` has been taken off it (the
/// dialog shrinks as it redraws, which would move the button under a click).
async fn close_review(app: &App, list: &str) -> Result<()> {
    app.wait_until(
        "the decision is taken off the list",
        &format!("return document.querySelector('#{list} button[data-decision]') === null"),
    )
    .await?;
    app.click("#review-close").await?;
    app.wait_until(
        "the review closes",
        "return !document.getElementById('review-dialog').open",
    )
    .await
}

/// Signs in on the first-run screen, edits offline, syncs, takes another device's change,
/// settles a conflict, and is signed out by another device with its change sealed.
async fn round_trip(scenario: &str, look: Look, texts: &Texts) -> Result<()> {
    let keychain = Keychain::start()?;
    let mut server = Server::new()?;
    server.add_user(EMAIL, SERVER_PASSWORD, "Anna Server")?;
    let device = Device::new()?;
    let result = round_trip_on(scenario, &look, texts, &keychain, &mut server, &device).await;
    if result.is_err() {
        dump_logs(&device);
    }
    result
}

/// Prints the app's and the drivers' logs of a failed scenario (its folder is removed).
fn dump_logs(device: &Device) {
    for dir in [device.scratch(), device.data_dir()] {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(60).collect();
                eprintln!("--- {} (last lines)", path.display());
                for line in tail.into_iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

async fn round_trip_on(
    scenario: &str,
    look: &Look,
    texts: &Texts,
    keychain: &Keychain,
    server: &mut Server,
    device: &Device,
) -> Result<()> {
    let app = App::launch(scenario, device, look).await?;
    app.wait_screen("welcome").await?;
    app.click("input[name=welcome-path][value=server]").await?;
    app.shot("welcome-server").await?;
    // A wrong password is refused next to its field, translated.
    server_form(&app, "welcome-server", Some(&server.url()), "Wrong-Guess-1").await?;
    app.wait_until(
        "the wrong password is refused at its field",
        "return document.getElementById('welcome-server-password').getAttribute('aria-invalid') === 'true'",
    )
    .await?;
    app.shot("wrong-password").await?;
    app.paste("#welcome-server-password", SERVER_PASSWORD)
        .await?;
    app.click("#welcome-server-submit").await?;
    app.wait_screen("profile").await?;
    app.wait_text("#header-name", "Anna Server").await?;
    wait_sync(&app, "synced").await?;
    // The account's language came from the server (English); the person switches it.
    if look.locale.starts_with("ru") {
        app.choose("#language", "ru").await?;
        // Kept first (the save is asynchronous), then sent.
        let deadline = std::time::Instant::now() + acure_e2e::PATIENCE;
        while query(device, "SELECT language FROM profile")
            .await?
            .as_deref()
            != Some("ru")
        {
            ensure!(
                std::time::Instant::now() < deadline,
                "the language was not saved"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        wait_sent(device).await?;
    }
    wait_header_text(&app, texts.synced).await?;
    app.shot("header-synced").await?;

    // The secret is in the keychain, and nowhere on disk.
    let session = app_session(device).await?;
    let secret = keychain
        .lookup(&[
            ("service", "acure-profile"),
            ("username", &format!("session:{session}")),
        ])?
        .context("the session secret is in the Secret Service")?;
    ensure!(
        !device.data_dir().join("server-session.secret").exists(),
        "no fallback file while a keychain works"
    );
    ensure!(
        count(device, "SELECT COUNT(*) FROM credential").await? == 0,
        "a server-linked device holds no password hash"
    );

    // Offline: two edits wait, then the header says offline.
    server.stop()?;
    save_field(&app, "name", "Anna Laptop").await?;
    set_avatar(&app, device).await?;
    wait_pending_two(&app, device, texts).await?;
    app.shot("header-pending").await?;
    wait_sync(&app, "offline").await?;
    wait_header_text(&app, texts.offline).await?;
    app.shot("header-offline").await?;
    app.click("#sync-status").await?;
    app.shot("sync-details").await?;
    app.click("#sync-status").await?;

    // The address reaches another web site meanwhile: an error, its reason on hover and in
    // the details, the changes still kept.
    let impostor = server.impostor()?;
    app.click("#sync-now").await?;
    wait_sync(&app, "error").await?;
    wait_header_text(&app, texts.error).await?;
    wait_pending_two(&app, device, texts).await?;
    ensure!(
        app.js("return document.getElementById('sync-status').title")
            .await?
            == serde_json::json!(texts.not_acure),
        "the reason shows on hover"
    );
    app.shot("header-error").await?;
    app.click("#sync-status").await?;
    app.wait_until(
        "the details give the reason",
        &format!(
            "return document.getElementById('sync-details-list').textContent.includes({})",
            serde_json::json!(texts.not_acure)
        ),
    )
    .await?;
    app.shot("sync-error-details").await?;
    app.click("#sync-status").await?;
    drop(impostor);

    // Back online: «Sync now» sends both; another device sees them.
    server.start()?;
    app.click("#sync-now").await?;
    wait_sync(&app, "synced").await?;
    app.shot("header-synced-again").await?;
    let mut phone = SyncClient::sign_in(&server.url(), EMAIL, SERVER_PASSWORD).await?;
    let snapshot = phone.pull().await?;
    ensure!(
        snapshot["profile"]["name"] == "Anna Laptop",
        "the offline name arrived: {snapshot}"
    );
    let avatar = snapshot["profile"]["avatar"]["sha256"]
        .as_str()
        .context("the offline avatar arrived")?
        .to_owned();
    ensure!(!phone.fetch_blob(&avatar).await?.is_empty());

    // Another device's change appears in the window.
    phone.set_name("Anna Phone").await?;
    app.click("#sync-now").await?;
    app.wait_text("#header-name", "Anna Phone").await?;
    app.wait_until(
        "the name field follows the server",
        "return document.getElementById('name').value === 'Anna Phone'",
    )
    .await?;

    // A conflict: the window saves a name, the phone overwrites it from an older version.
    save_field(&app, "name", "Anna Mine").await?;
    wait_sent(device).await?;
    phone.set_name("Anna Theirs").await?;
    app.click("#sync-now").await?;
    app.wait_text("#header-name", "Anna Theirs").await?;
    open_review(&app).await?;
    app.shot("conflict").await?;
    app.click("#review-conflicts button[data-decision=use_mine]")
        .await?;
    close_review(&app, "review-conflicts").await?;
    app.wait_text("#header-name", "Anna Mine").await?;
    app.click("#sync-now").await?;
    wait_sync(&app, "synced").await?;
    let mut name = String::new();
    for _ in 0..50 {
        name = phone.pull().await?["profile"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if name == "Anna Mine" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    ensure!(name == "Anna Mine", "«Use mine» reached the server: {name}");

    // The phone ends this device's session; the window's next change is sealed and the
    // window signs out.
    phone.end_session(session).await?;
    save_field(&app, "organization", "Sealed Org").await?;
    app.wait_screen("sign-in").await?;
    app.shot("signed-out-by-another-device").await?;
    ensure!(
        keychain
            .lookup(&[
                ("service", "acure-profile"),
                ("username", &format!("session:{session}")),
            ])?
            .is_none(),
        "the ended session's secret is forgotten"
    );
    ensure!(
        app.value("#sign-in-server-email").await? == EMAIL,
        "the account's e-mail is filled in"
    );
    server_form(&app, "sign-in-server", None, SERVER_PASSWORD).await?;
    app.wait_screen("profile").await?;
    open_review(&app).await?;
    app.shot("sealed-change").await?;
    app.click("#review-sealed button[data-decision=resubmit]")
        .await?;
    close_review(&app, "review-sealed").await?;
    app.click("#sync-now").await?;
    let mut organization = String::new();
    for _ in 0..50 {
        organization = phone.pull().await?["profile"]["organization"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if organization == "Sealed Org" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    ensure!(
        organization == "Sealed Org",
        "the re-submitted change arrived: {organization}"
    );

    // Signed out again with a change unsent, another account signs in: refused at the
    // e-mail until the person agrees to drop that change.
    let session = app_session(device).await?;
    phone.end_session(session).await?;
    save_field(&app, "organization", "Never Sent").await?;
    app.wait_screen("sign-in").await?;
    server.add_user(OTHER_EMAIL, SERVER_PASSWORD, "Boris Server")?;
    app.fill("#sign-in-server-email", OTHER_EMAIL).await?;
    app.paste("#sign-in-server-password", SERVER_PASSWORD)
        .await?;
    app.click("#sign-in-server-submit").await?;
    app.wait_until(
        "the other account's sign-in is refused at the e-mail",
        "return document.getElementById('sign-in-server-email').getAttribute('aria-invalid') === 'true' \
         && !document.getElementById('sign-in-server-discard').closest('label').hidden",
    )
    .await?;
    app.shot("other-account-unsent").await?;
    app.click("#sign-in-server-discard").await?;
    app.click("#sign-in-server-submit").await?;
    app.wait_screen("profile").await?;
    app.wait_text("#header-name", "Boris Server").await?;
    ensure!(count(device, "SELECT COUNT(*) FROM outbox").await? == 0);
    app.quit().await?;

    // Neither the password nor the secret is written anywhere in plain text.
    for root in [
        device.scratch(),
        server.database().parent().unwrap().to_path_buf(),
    ] {
        for needle in [SERVER_PASSWORD.as_bytes(), secret.as_bytes()] {
            let found = files_containing(&root, needle);
            ensure!(found.is_empty(), "a secret in plain text in {found:?}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn offline_edits_sync_conflicts_and_an_ended_session_in_english() -> Result<()> {
    round_trip("server-en", Look::english(), &ENGLISH).await
}

#[tokio::test]
async fn offline_edits_sync_conflicts_and_an_ended_session_in_russian_dark() -> Result<()> {
    round_trip("server-ru", Look::russian().dark(), &RUSSIAN).await
}

/// A local profile with details and an avatar links to a fresh server account: everything
/// arrives, and the local password hash is gone.
#[tokio::test]
async fn a_local_profile_links_to_a_server_account_and_loses_nothing() -> Result<()> {
    link("link-en", Look::english()).await
}

#[tokio::test]
async fn a_local_profile_links_to_a_server_account_and_loses_nothing_in_russian() -> Result<()> {
    link("link-ru", Look::russian()).await
}

async fn link(scenario: &str, look: Look) -> Result<()> {
    let _keychain = Keychain::start()?;
    let mut server = Server::new()?;
    server.add_user(EMAIL, SERVER_PASSWORD, "New Account")?;
    let device = Device::new()?;
    let result = link_on(scenario, &look, &device, &mut server).await;
    if result.is_err() {
        dump_logs(&device);
    }
    result
}

async fn link_on(scenario: &str, look: &Look, device: &Device, server: &mut Server) -> Result<()> {
    let app = App::start(scenario, device, look).await?;
    save_field(&app, "name", "Anna Local").await?;
    save_field(&app, "organization", "Acure Labs").await?;
    save_field(&app, "phone", "+7 912 345-67-89").await?;
    set_avatar(&app, device).await?;
    ensure!(count(device, "SELECT COUNT(*) FROM credential").await? == 1);

    app.click("#account-menu-button").await?;
    app.shot("menu-local").await?;
    app.click("#menu-connect").await?;
    app.click("#connect-local-replace").await?;
    app.shot("connect-replace-warning").await?;
    app.click("#connect-local-upload").await?;
    server_form(&app, "connect", Some(&server.url()), SERVER_PASSWORD).await?;
    app.wait_screen("profile").await?;
    app.wait_text("#header-name", "Anna Local").await?;
    wait_sync(&app, "synced").await?;
    app.shot("linked").await?;

    let mut phone = SyncClient::sign_in(&server.url(), EMAIL, SERVER_PASSWORD).await?;
    let profile = phone.pull().await?["profile"].clone();
    ensure!(profile["name"] == "Anna Local", "{profile}");
    ensure!(profile["organization"] == "Acure Labs", "{profile}");
    ensure!(profile["phone"] == "+79123456789", "{profile}");
    ensure!(profile["avatar"]["sha256"].is_string(), "{profile}");
    ensure!(
        count(device, "SELECT COUNT(*) FROM credential").await? == 0,
        "the local password hash is gone"
    );
    ensure!(
        count(
            device,
            "SELECT COUNT(*) FROM outbox WHERE client_id IS NULL"
        )
        .await?
            == 0,
        "the local history is gone"
    );
    // The e-mail is the server account's sign-in name: shown, not edited.
    ensure!(app.value("#email").await? == EMAIL);
    ensure!(
        app.js("return document.getElementById('email').readOnly")
            .await?
            == serde_json::json!(true)
    );

    // The Sessions tab lists the phone's session from the server; ending it offline is
    // marked pending, and done at the next sync.
    app.click("#sync-now").await?;
    wait_sync(&app, "synced").await?;
    app.click("#tab-sessions").await?;
    let phone_row = format!("#sessions-active .session[data-id='{}']", phone.session.id);
    app.wait_until(
        "the phone's session is listed",
        &format!("return document.querySelector(\"{phone_row}\") !== null"),
    )
    .await?;
    server.stop()?;
    // By script: the list is redrawn whenever a sync brings news, which may stale a found element.
    app.js(&format!(
        "document.querySelector(\"{phone_row} [data-role=end]\").click()"
    ))
    .await?;
    app.wait_until(
        "the confirmation opens",
        "return document.getElementById('confirm-dialog').open",
    )
    .await?;
    app.click("#confirm-dialog button[value=confirm]").await?;
    let pending_row = format!(
        "#sessions-ended .session[data-id='{}'] [data-role=pending]",
        phone.session.id
    );
    app.wait_until(
        "the ended session waits for the server",
        &format!(
            "const b = document.querySelector(\"{pending_row}\"); return b !== null && !b.hidden"
        ),
    )
    .await?;
    app.shot("session-end-pending").await?;
    server.start()?;
    app.click("#sync-now").await?;
    wait_sent(device).await?;
    ensure!(
        phone.pull().await.is_err(),
        "the phone's session has ended on the server"
    );

    // Signing out without keeping a copy empties the device after a confirmation.
    app.click("#account-menu-button").await?;
    app.click("#menu-sign-out").await?;
    app.wait_until(
        "the sign-out dialog opens",
        "return document.getElementById('sign-out-dialog').open",
    )
    .await?;
    app.shot("sign-out").await?;
    app.click("#sign-out-confirm").await?;
    app.wait_screen("welcome").await?;
    ensure!(
        count(device, "SELECT COUNT(*) FROM profile").await? == 0,
        "nothing of the profile stays"
    );
    app.quit().await
}

/// Without a Secret Service the secret goes to a 0600 file, and the person is told once.
#[tokio::test]
async fn without_a_keychain_the_secret_is_kept_in_a_private_file_and_said_once() -> Result<()> {
    no_keychain("no-keychain-en", Look::english()).await
}

#[tokio::test]
async fn without_a_keychain_the_secret_is_kept_in_a_private_file_in_russian_dark() -> Result<()> {
    no_keychain("no-keychain-ru", Look::russian().dark()).await
}

async fn no_keychain(scenario: &str, look: Look) -> Result<()> {
    let bus = PrivateBus::start()?;
    let server = Server::new()?;
    server.add_user(EMAIL, SERVER_PASSWORD, "Anna Server")?;
    let device = Device::new()?;
    device.use_session_bus(Some(bus.address()));
    let app = App::launch(scenario, &device, &look).await?;
    app.wait_screen("welcome").await?;
    app.click("input[name=welcome-path][value=server]").await?;
    server_form(&app, "welcome-server", Some(&server.url()), SERVER_PASSWORD).await?;
    app.wait_screen("profile").await?;
    app.wait_until(
        "the file notice shows",
        "return !document.getElementById('secret-notice').hidden",
    )
    .await?;
    if look.locale.starts_with("ru") {
        // The server account speaks English; the person switches the window to Russian.
        app.choose("#language", "ru").await?;
        app.wait_until(
            "the notice is in Russian",
            "return document.getElementById('secret-notice').textContent.includes('связка ключей')",
        )
        .await?;
    }
    app.shot("secret-file-notice").await?;
    let file = device.data_dir().join("server-session.secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)?.permissions().mode() & 0o777;
        ensure!(
            mode == 0o600,
            "the secret file is the user's only: {mode:o}"
        );
    }
    app.click("#secret-notice-ok").await?;
    app.quit().await?;

    let app = App::launch(scenario, &device, &look).await?;
    app.wait_screen("profile").await?;
    wait_sync(&app, "synced").await?;
    ensure!(
        app.js("return document.getElementById('secret-notice').hidden")
            .await?
            == serde_json::json!(true),
        "the notice is shown once"
    );
    app.quit().await
}
