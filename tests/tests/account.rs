//! End-to-end: the account's whole life in the real window — first run, restart, password
//! change, ending every session, signing in again — in both languages, and afterwards no
//! typed password anywhere on the device.

use acure_e2e::{App, Device, Look};
use anyhow::{ensure, Context, Result};
use std::path::{Path, PathBuf};

const FIRST: &str = "Tuman-42-Loshadka";
const WRONG: &str = "Sova-17-Filin";
const WEAK: &str = "ёжиквтумане";
const SECOND: &str = "Ёжик-в-тумане-7";

/// What the window says at each step, in one language.
struct Texts {
    welcome: &'static str,
    mismatch: &'static str,
    server_address: &'static str,
    current_wrong: &'static str,
    needs_digit: &'static str,
    changed: &'static str,
    current_tag: &'static str,
    sign_in: &'static str,
    wrong: &'static str,
    throttled_prefix: &'static str,
}

const ENGLISH: Texts = Texts {
    welcome: "Welcome to Acure Profile",
    mismatch: "The two passwords differ. Type the same password twice.",
    server_address: "Server address",
    current_wrong: "The current password is wrong.",
    needs_digit: "The password needs at least one digit.",
    changed: "Password changed. Other sessions were ended.",
    current_tag: "Current session",
    sign_in: "Sign in",
    wrong: "The password is wrong.",
    throttled_prefix: "Too many wrong passwords. Try again in ",
};

const RUSSIAN: Texts = Texts {
    welcome: "Добро пожаловать в Acure Profile",
    mismatch: "Пароли не совпадают. Введите один и тот же пароль дважды.",
    server_address: "Адрес сервера",
    current_wrong: "Текущий пароль введён неверно.",
    needs_digit: "В пароле должна быть хотя бы одна цифра.",
    changed: "Пароль изменён. Остальные сеансы завершены.",
    current_tag: "Текущий сеанс",
    sign_in: "Вход",
    wrong: "Неверный пароль.",
    throttled_prefix: "Слишком много неверных попыток. Повторите через ",
};

/// Whether the checklist item `rule` of the rules box `box_id` is shown as met.
async fn rule_met(app: &App, box_id: &str, rule: &str) -> Result<bool> {
    Ok(app
        .attr(&format!("#{box_id} [data-rule={rule}]"), "data-met")
        .await?
        .as_deref()
        == Some("true"))
}

/// The ids of the sessions listed as active, and which of them is current.
async fn active_sessions(app: &App) -> Result<Vec<(String, bool)>> {
    let rows = app
        .js(
            "return [...document.querySelectorAll('#sessions-active .session')]
                .map((li) => [li.dataset.id, li.dataset.current === 'true'])",
        )
        .await?;
    Ok(rows
        .as_array()
        .context("a list")?
        .iter()
        .map(|row| {
            (
                row[0].as_str().unwrap_or_default().to_owned(),
                row[1] == true,
            )
        })
        .collect())
}

/// Scrolls the element matching `css` into view (its bottom edge), for the next screenshot.
async fn reveal(app: &App, css: &str) -> Result<()> {
    let script = format!(
        "document.querySelector({}).scrollIntoView({{ block: 'end' }})",
        serde_json::json!(css)
    );
    app.js(&script).await.map(drop)
}

async fn open_sessions_tab(app: &App) -> Result<()> {
    app.click("#tab-sessions").await?;
    app.wait_until(
        "the sessions are listed",
        "return document.querySelectorAll('#sessions-active .session').length > 0",
    )
    .await
}

async fn life_cycle(scenario: &str, look: Look, texts: &Texts) -> Result<()> {
    let device = Device::new()?;

    // First run: the welcome screen, its checks, then the local profile.
    let app = App::launch(scenario, &device, &look).await?;
    ensure!(
        app.screen().await? == "welcome",
        "a new device starts on the welcome screen"
    );
    app.wait_text("#welcome-title", texts.welcome).await?;
    app.shot("welcome").await?;
    app.click("input[name=welcome-path][value=server]").await?;
    app.wait_text("#welcome-server label", texts.server_address)
        .await?;
    app.shot("welcome-server").await?;
    app.click("input[name=welcome-path][value=local]").await?;
    app.paste("#welcome-password", WEAK).await?;
    app.wait_until(
        "the checklist follows the typing",
        "return document.querySelector('#welcome-password-rules [data-rule=lower]').dataset.met === 'true'",
    )
    .await?;
    ensure!(!rule_met(&app, "welcome-password-rules", "digit").await?);
    ensure!(!rule_met(&app, "welcome-password-rules", "upper").await?);
    app.paste("#welcome-password", FIRST).await?;
    app.paste("#welcome-password-confirmation", &format!("{FIRST}x"))
        .await?;
    app.click("#welcome-create").await?;
    app.wait_text("#welcome-password-confirmation-note", texts.mismatch)
        .await?;
    ensure!(
        app.attr("#welcome-password-confirmation", "aria-invalid")
            .await?
            .as_deref()
            == Some("true")
    );
    app.shot("welcome-mismatch").await?;
    app.create_local_profile(FIRST).await?;
    app.shot("profile").await?;
    app.quit().await?;

    // A restart keeps the user signed in.
    let app = App::launch(scenario, &device, &look).await?;
    ensure!(
        app.screen().await? == "profile",
        "still signed in after a restart"
    );

    // Password change: wrong current, weak new, then a good one.
    app.paste("#current-password", WRONG).await?;
    app.paste("#new-password", SECOND).await?;
    app.click("#password-save").await?;
    app.wait_text("#current-password-note", texts.current_wrong)
        .await?;
    reveal(&app, "#security-form").await?;
    app.shot("password-current-wrong").await?;
    app.paste("#current-password", FIRST).await?;
    app.paste("#new-password", WEAK).await?;
    app.click("#password-save").await?;
    app.wait_text("#new-password-note", texts.needs_digit)
        .await?;
    // The checklist follows the typing by its own (debounced) check, which may answer after
    // the save's refusal: it must come to show the missing digit.
    app.wait_until(
        "the checklist shows the digit missing",
        "return document.querySelector('#new-password-rules [data-rule=digit]').dataset.met !== 'true'",
    )
    .await?;
    reveal(&app, "#security-form").await?;
    app.shot("password-weak").await?;
    app.paste("#new-password", SECOND).await?;
    app.wait_until(
        "every rule shows as met",
        "return [...document.querySelectorAll('#new-password-rules [data-rule]')].every((li) => li.dataset.met === 'true')",
    )
    .await?;
    reveal(&app, "#security-form").await?;
    app.shot("password-checklist-met").await?;
    app.click("#password-save").await?;
    app.wait_text("#password-status", texts.changed).await?;
    ensure!(
        app.value("#current-password").await?.is_empty(),
        "typed passwords are cleared"
    );
    ensure!(app.value("#new-password").await?.is_empty());
    reveal(&app, "#security-form").await?;
    app.shot("password-changed").await?;

    // Sessions: this one, tagged; ending all of them signs out.
    open_sessions_tab(&app).await?;
    let before = active_sessions(&app).await?;
    ensure!(
        before.len() == 1 && before[0].1,
        "one active session, the current one: {before:?}"
    );
    app.wait_text("#sessions-active .session .badge", texts.current_tag)
        .await?;
    app.shot("sessions").await?;
    app.click("#sessions-end-all").await?;
    app.wait_until(
        "the confirmation opens",
        "return document.getElementById('confirm-dialog').open",
    )
    .await?;
    app.shot("sessions-end-all-confirm").await?;
    app.click("#confirm-dialog button[value=confirm]").await?;
    app.wait_screen("sign-in").await?;
    app.wait_text("#sign-in-title", texts.sign_in).await?;
    app.shot("sign-in").await?;

    // Signing in: the old password no longer works; too many wrong ones wait.
    app.paste("#sign-in-password", FIRST).await?;
    app.click("#sign-in-submit").await?;
    app.wait_text("#sign-in-password-note", texts.wrong).await?;
    app.shot("sign-in-wrong").await?;
    // Four more wrong tries are free; after that each further one waits, and says so.
    let mut throttled = false;
    for _ in 0..8 {
        app.paste("#sign-in-password", WRONG).await?;
        app.click("#sign-in-submit").await?;
        app.wait_until(
            "the try is answered",
            "return document.getElementById('sign-in-password-note').dataset.kind === 'error'
                && !document.getElementById('sign-in-submit').textContent.endsWith('…')",
        )
        .await?;
        let note = app.text("#sign-in-password-note").await?;
        if note.starts_with(texts.throttled_prefix) {
            throttled = true;
            break;
        }
    }
    ensure!(
        throttled,
        "repeated wrong passwords are slowed down and the wait is shown"
    );
    ensure!(
        app.js("return document.getElementById('sign-in-submit').disabled")
            .await?
            == true,
        "the button waits with the user"
    );
    app.shot("sign-in-throttled").await?;
    app.wait_until(
        "the wait is over",
        "return !document.getElementById('sign-in-submit').disabled",
    )
    .await?;
    app.sign_in(SECOND).await?;

    // A new session, tagged current; the ended one is listed as ended.
    open_sessions_tab(&app).await?;
    let after = active_sessions(&app).await?;
    ensure!(
        after.len() == 1 && after[0].1,
        "one active session, the current one: {after:?}"
    );
    ensure!(
        after[0].0 != before[0].0,
        "signing in started a new session"
    );
    ensure!(
        app.js("return document.querySelectorAll('#sessions-ended .session').length")
            .await?
            == 1,
        "the ended session is listed as ended"
    );
    app.shot("sessions-new").await?;
    app.quit().await?;

    let passwords = [FIRST, WRONG, WEAK, SECOND];
    for dir in [device.data_dir(), device.home()] {
        let hits = plain_text_hits(&dir, &passwords)?;
        ensure!(
            hits.is_empty(),
            "typed passwords stored in plain text: {hits:?}"
        );
    }
    // The search itself works: it finds what the log does hold.
    let control = plain_text_hits(&device.data_dir(), &["store opened"])?;
    ensure!(
        control
            .iter()
            .any(|(file, _)| file.ends_with("acure-profile.log")),
        "the search finds a known line of the log: {control:?}"
    );
    Ok(())
}

/// Every (file, needle) where a file under `dir` (database, WAL, log, WebKit's storage in
/// HOME …) holds one of `needles`, as UTF-8 or as UTF-16 (WebKit's own string encoding).
fn plain_text_hits(dir: &Path, needles: &[&str]) -> Result<Vec<(PathBuf, String)>> {
    let mut hits = Vec::new();
    let mut searched = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue; // sockets and the like
        };
        searched += 1;
        for needle in needles {
            let utf16: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
            if [needle.as_bytes(), utf16.as_slice()]
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == *n))
            {
                hits.push((path.clone(), (*needle).to_owned()));
            }
        }
    }
    println!(
        "searched {searched} files under {} for {} strings",
        dir.display(),
        needles.len()
    );
    Ok(hits)
}

#[tokio::test]
async fn the_account_life_cycle_in_english_light() -> Result<()> {
    life_cycle("account-en", Look::english(), &ENGLISH).await
}

#[tokio::test]
async fn the_account_life_cycle_in_russian_dark() -> Result<()> {
    life_cycle("account-ru", Look::russian().dark(), &RUSSIAN).await
}
