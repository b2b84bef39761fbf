//! End-to-end: the API Access tab in the real window, signed in to a real `profile-server`.
//! Tokens of each kind are issued (shown once in the panel and put on the clipboard),
//! used with a plain HTTP client, edited, revoked and removed; an interim token expires
//! while the window is open and moves to Withdrawn by itself (the app's clock is moved
//! close to the end of its day); a local profile is told what tokens need.

use acure_e2e::{App, Device, Keychain, Look, Server};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const EMAIL: &str = "anna@example.com";
const SERVER_PASSWORD: &str = "Server-Pass-2026";
const DAY_MS: i64 = 86_400_000;
/// How long before the end of its day the app's clock starts: time enough to sign in and
/// issue the interim token, short enough to watch it expire.
const BEFORE_MIDNIGHT_MS: i64 = 75_000;
/// How long a copied token stays on the clipboard in this test's build.
const CLEAR_AFTER_MS: u64 = 5_000;

/// One language's texts the scenario checks.
struct Texts {
    pending: &'static str,
    expiry_past: &'static str,
    expiry_missing: &'static str,
    too_long: &'static str,
    local_title: &'static str,
}

const ENGLISH: Texts = Texts {
    pending: "Pending activation",
    expiry_past: "The last day must be today or later.",
    expiry_missing: "Choose the last day the token works.",
    too_long: "The description is too long: at most 200 characters.",
    local_title: "Tokens open the API of an Acure server",
};

const RUSSIAN: Texts = Texts {
    pending: "Ожидает активации",
    expiry_past: "Последний день должен быть сегодня или позже.",
    expiry_missing: "Выберите последний день действия токена.",
    too_long: "Описание слишком длинное: не более 200 символов.",
    local_title: "Токены открывают API сервера Acure",
};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `YYYY-MM-DD` of `ms` in UTC (the server account's zone), by the civil-from-days rule.
fn utc_date(ms: i64) -> String {
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Sets a date field as its picker does.
async fn set_date(app: &App, css: &str, date: &str) -> Result<()> {
    app.js(&format!(
        "const el = document.querySelector({}); el.value = {}; \
         el.dispatchEvent(new Event('input', {{ bubbles: true }})); \
         el.dispatchEvent(new Event('change', {{ bubbles: true }})); return true",
        json!(css),
        json!(date)
    ))
    .await
    .map(drop)
}

/// The id of the listed token whose description is `description`, in list `list`.
async fn token_id(app: &App, list: &str, description: &str) -> Result<Option<String>> {
    let found = app
        .js(&format!(
            "const row = [...document.querySelectorAll('#{list} li[data-id]')].find((li) => \
             li.querySelector('[data-role=description]').textContent === {}); \
             return row ? row.dataset.id : null",
            json!(description)
        ))
        .await?;
    Ok(found.as_str().map(str::to_owned))
}

async fn wait_row(app: &App, list: &str, description: &str, patience: Duration) -> Result<String> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(id) = token_id(app, list, description).await? {
            return Ok(id);
        }
        ensure!(
            Instant::now() < deadline,
            "«{description}» did not appear in #{list}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What the X clipboard holds now.
fn clipboard() -> Result<String> {
    let out = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .context("running xclip (the e2e layer installs it)")?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `GET /api/v1/profile` with `token`: the status and the body.
async fn api_profile(server: &Server, token: &str) -> Result<(u16, Value)> {
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/profile", server.url()))
        .bearer_auth(token)
        .send()
        .await?;
    let status = answer.status().as_u16();
    Ok((status, answer.json().await.unwrap_or(Value::Null)))
}

/// Issues a token through the form; returns its text from the panel, checked against the
/// clipboard, and closes the panel.
async fn issue(
    app: &App,
    description: &str,
    scope: &str,
    last_day: Option<&str>,
) -> Result<String> {
    app.fill("#token-description", description).await?;
    app.click(&format!("input[name=token-scope][value={scope}]"))
        .await?;
    match last_day {
        Some(day) => {
            app.click("input[name=token-expiry][value=on]").await?;
            set_date(app, "#token-form [data-role=date]", day).await?;
        }
        None => app.click("input[name=token-expiry][value=never]").await?,
    }
    app.click("#token-form button[type=submit]").await?;
    app.wait_until(
        "the new token's panel shows",
        "return !document.getElementById('token-panel').hidden",
    )
    .await?;
    let token = app.text("#token-panel-text").await?;
    ensure!(
        token.len() == 42
            && token.starts_with("acp_")
            && token[4..].bytes().all(|b| b.is_ascii_alphanumeric()),
        "the panel shows {token:?}"
    );
    ensure!(
        clipboard()?.trim() == token,
        "the clipboard does not hold the new token"
    );
    Ok(token)
}

/// Scrolls the element with `id` to the top of the window, for a screenshot of what follows.
async fn scroll_to(app: &App, id: &str) -> Result<()> {
    app.js(&format!(
        "document.getElementById({}).scrollIntoView({{ block: 'start' }}); return true",
        json!(id)
    ))
    .await
    .map(drop)
}

async fn close_panel(app: &App) -> Result<()> {
    app.click("#token-panel-done").await?;
    app.wait_until(
        "the panel closes",
        "return document.getElementById('token-panel').hidden",
    )
    .await
}

async fn confirm(app: &App) -> Result<()> {
    app.wait_until(
        "the confirmation opens",
        "return document.getElementById('confirm-dialog').open",
    )
    .await?;
    app.click("#confirm-ok").await
}

/// Every file under `root` that contains `needle`.
fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            {
                found.push(path);
            }
        }
    }
    found
}

async fn tokens(scenario: &str, look: Look, texts: &Texts) -> Result<()> {
    let _keychain = Keychain::start()?;
    let server = Server::new()?;
    server.add_user(EMAIL, SERVER_PASSWORD, "Anna Server")?;
    let device = Device::new()?;
    // The app's day (UTC, the account's zone) ends BEFORE_MIDNIGHT_MS after it starts.
    let real = now_ms();
    let app_start = (real.div_euclid(DAY_MS) + 1) * DAY_MS - BEFORE_MIDNIGHT_MS;
    device.set_env(
        "ACURE_PROFILE_CLOCK_OFFSET_MS",
        &(app_start - real).to_string(),
    );
    // The clipboard is cleared CLEAR_AFTER_MS after a copy instead of 2 minutes.
    device.set_env(
        "ACURE_PROFILE_CLIPBOARD_CLEAR_MS",
        &CLEAR_AFTER_MS.to_string(),
    );
    let today = utc_date(app_start);
    let tomorrow = utc_date(app_start + DAY_MS);

    let app = App::launch(scenario, &device, &look).await?;
    app.sign_in_to_server(&server.url(), EMAIL, SERVER_PASSWORD)
        .await?;
    // The account's language came from the server (English); a Russian speaker switches it.
    if look.locale.starts_with("ru") {
        app.choose("#language", "ru").await?;
        app.wait_text("#tab-api", "Доступ к API").await?;
    }
    app.click("#tab-api").await?;
    app.wait_until(
        "the issue form shows",
        "return !document.getElementById('tokens-linked').hidden",
    )
    .await?;

    // The interim token first, while its day lasts: write scope, last day today.
    let interim = issue(&app, "deploy bot", "write", Some(&today)).await?;
    app.shot("panel").await?;
    close_panel(&app).await?;
    wait_row(&app, "tokens-active", "deploy bot", acure_e2e::PATIENCE).await?;
    app.wait_until(
        "the banner warns of the expiring token",
        "return !document.getElementById('tokens-expiring').hidden",
    )
    .await?;

    // Refusals, next to their fields, translated.
    app.click("input[name=token-expiry][value=on]").await?;
    set_date(&app, "#token-form [data-role=date]", "").await?;
    app.click("#token-form button[type=submit]").await?;
    app.wait_text("#token-date-note", texts.expiry_missing)
        .await?;
    set_date(&app, "#token-form [data-role=date]", "2020-01-01").await?;
    app.click("#token-form button[type=submit]").await?;
    app.wait_text("#token-date-note", texts.expiry_past).await?;
    app.shot("expiry-past").await?;
    app.fill("#token-description", &"x".repeat(201)).await?;
    app.click("input[name=token-expiry][value=never]").await?;
    app.click("#token-form button[type=submit]").await?;
    app.wait_text("#token-description-note", texts.too_long)
        .await?;
    ensure!(
        app.attr("#token-description", "aria-invalid")
            .await?
            .as_deref()
            == Some("true"),
        "the description is not marked invalid"
    );

    // A read token, valid until revoked; «Copy» puts it on the clipboard again.
    let read = issue(&app, "nightly export", "read", None).await?;
    std::process::Command::new("xclip")
        .args(["-selection", "clipboard"])
        .stdin(std::process::Stdio::null())
        .status()?;
    app.click("#token-panel-copy").await?;
    let deadline = Instant::now() + acure_e2e::PATIENCE;
    while clipboard()?.trim() != read {
        ensure!(Instant::now() < deadline, "«Copy» did not copy the token");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    close_panel(&app).await?;
    ensure!(
        app.text("#token-panel-text").await?.is_empty(),
        "the panel keeps the token"
    );
    // Left on the clipboard, it is cleared after its time.
    let deadline = Instant::now() + Duration::from_millis(CLEAR_AFTER_MS) + acure_e2e::PATIENCE;
    while clipboard()?.trim() == read {
        ensure!(
            Instant::now() < deadline,
            "the token stayed on the clipboard"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let read_id = wait_row(&app, "tokens-active", "nightly export", acure_e2e::PATIENCE).await?;
    scroll_to(&app, "tokens-active-title").await?;
    app.shot("issued").await?;

    // Synced: both open the API for a plain HTTP client, each within its scope.
    let deadline = Instant::now() + acure_e2e::PATIENCE;
    while api_profile(&server, &read).await?.0 != 200 {
        ensure!(
            Instant::now() < deadline,
            "the read token never opened the API"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = api_profile(&server, &interim).await?;
    ensure!(
        status == 200 && body["email"] == EMAIL,
        "the write token reads: {status} {body}"
    );
    app.wait_until(
        "no token waits for activation",
        &format!(
            "return !document.querySelector('#tokens-active').textContent.includes({})",
            json!(texts.pending)
        ),
    )
    .await?;
    let patched = reqwest::Client::new()
        .patch(format!("{}/api/v1/profile", server.url()))
        .bearer_auth(&read)
        .json(&json!({"organization": "Acure"}))
        .send()
        .await?;
    ensure!(
        patched.status().as_u16() == 403,
        "a read token changed the profile"
    );

    // Edit: description and a new last day; the scope stays.
    app.click(&format!(
        "#tokens-active li[data-id='{read_id}'] [data-action=edit]"
    ))
    .await?;
    app.wait_until(
        "the edit dialog opens",
        "return document.getElementById('token-edit-dialog').open",
    )
    .await?;
    app.fill("#token-edit-description", "nightly export v2")
        .await?;
    app.click("#token-edit-form input[name=token-edit-expiry][value=on]")
        .await?;
    set_date(&app, "#token-edit-form [data-role=date]", &tomorrow).await?;
    app.shot("edit").await?;
    app.click("#token-edit-form button[type=submit]").await?;
    app.wait_until(
        "the edit dialog closes",
        "return !document.getElementById('token-edit-dialog').open",
    )
    .await?;
    wait_row(
        &app,
        "tokens-active",
        "nightly export v2",
        acure_e2e::PATIENCE,
    )
    .await?;

    // Revoke (confirmed): Withdrawn here, and refused by the server once synced.
    app.click(&format!(
        "#tokens-active li[data-id='{read_id}'] [data-action=revoke]"
    ))
    .await?;
    confirm(&app).await?;
    wait_row(
        &app,
        "tokens-withdrawn",
        "nightly export v2",
        acure_e2e::PATIENCE,
    )
    .await?;
    let deadline = Instant::now() + acure_e2e::PATIENCE;
    loop {
        let (status, body) = api_profile(&server, &read).await?;
        if status == 401 {
            ensure!(body["code"] == "token.revoked", "refused as {body}");
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the revoked token still opens the API"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The interim token's day ends while the window is open: it moves by itself.
    let waited = Duration::from_millis(BEFORE_MIDNIGHT_MS as u64) + Duration::from_secs(30);
    wait_row(&app, "tokens-withdrawn", "deploy bot", waited).await?;
    app.wait_until(
        "the banner is gone",
        "return document.getElementById('tokens-expiring').hidden",
    )
    .await?;
    scroll_to(&app, "tokens-active-title").await?;
    app.shot("withdrawn").await?;

    // Remove the revoked one (confirmed): gone from the lists.
    app.click(&format!(
        "#tokens-withdrawn li[data-id='{read_id}'] [data-action=remove]"
    ))
    .await?;
    confirm(&app).await?;
    app.wait_until(
        "the removed token leaves the list",
        &format!("return !document.querySelector(\"#tokens-withdrawn li[data-id='{read_id}']\")"),
    )
    .await?;
    scroll_to(&app, "tokens-active-title").await?;
    app.shot("removed").await?;

    // Past ten tokens a filter appears (English only: the same code in both languages).
    if !look.locale.starts_with("ru") {
        ensure!(
            app.js("return document.getElementById('tokens-filter-label').hidden")
                .await?
                == json!(true),
            "a filter for two tokens"
        );
        for n in 1..=10 {
            issue(&app, &format!("bulk {n}"), "read", None).await?;
            close_panel(&app).await?;
        }
        app.wait_until(
            "the filter appears",
            "return !document.getElementById('tokens-filter-label').hidden",
        )
        .await?;
        app.fill("#tokens-filter", "bulk 7").await?;
        app.wait_until(
            "only «bulk 7» is listed",
            "return document.querySelectorAll('#tokens-active li[data-id]').length === 1 \
             && document.querySelectorAll('#tokens-withdrawn li[data-id]').length === 0",
        )
        .await?;
        token_id(&app, "tokens-active", "bulk 7")
            .await?
            .context("«bulk 7» is shown")?;
        scroll_to(&app, "tokens-active-title").await?;
        app.shot("filtered").await?;
        // Emptied as a person does with the search field's own clear button.
        app.js(
            "const f = document.getElementById('tokens-filter'); f.value = ''; \
             f.dispatchEvent(new Event('input', { bubbles: true })); return true",
        )
        .await?;
        app.wait_until(
            "every token is listed again",
            "return document.querySelectorAll('#tokens-active li[data-id]').length === 10 \
             && document.querySelectorAll('#tokens-withdrawn li[data-id]').length === 1",
        )
        .await?;
    }
    app.quit().await?;

    // Neither token's text rests anywhere: the device, its HOME, the server's files.
    for token in [&read, &interim] {
        for root in [
            device.scratch(),
            server.database().parent().unwrap().to_path_buf(),
        ] {
            let found = files_containing(&root, token.as_bytes());
            ensure!(found.is_empty(), "the token's text is in {found:?}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn tokens_are_issued_used_edited_revoked_expired_and_removed_in_english() -> Result<()> {
    tokens("tokens-en", Look::english(), &ENGLISH).await
}

#[tokio::test]
async fn tokens_are_issued_used_edited_revoked_expired_and_removed_in_russian_dark() -> Result<()> {
    tokens("tokens-ru", Look::russian().dark(), &RUSSIAN).await
}

/// A local profile: the tab says what tokens are for and offers to connect.
async fn local(scenario: &str, look: Look, texts: &Texts) -> Result<()> {
    let device = Device::new()?;
    let app = App::start(scenario, &device, &look).await?;
    app.click("#tab-api").await?;
    app.wait_text("#tokens-local-title", texts.local_title)
        .await?;
    ensure!(
        app.js("return document.getElementById('tokens-linked').hidden")
            .await?
            == json!(true),
        "a local profile shows the issue form"
    );
    app.shot("local").await?;
    app.click("#tokens-connect").await?;
    app.wait_until(
        "«Connect to a server…» opens",
        "return document.getElementById('connect-dialog').open",
    )
    .await?;
    app.quit().await
}

#[tokio::test]
async fn a_local_profile_is_told_that_tokens_need_a_server() -> Result<()> {
    local("tokens-local-en", Look::english(), &ENGLISH).await?;
    local("tokens-local-ru", Look::russian().dark(), &RUSSIAN).await
}
