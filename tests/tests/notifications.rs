//! End-to-end: the Notifications tab of a local profile in the real window. Every built-in
//! channel is filled wrongly (its translated error shows next to its field) and rightly; the
//! instructions are read; a second e-mail is added, one disabled, the other made preferred;
//! a contact is cleared; after a restart everything is as it was left. English in the light
//! theme, Russian in the dark one. On a device linked to a server: the administrator's
//! channels — a webhook channel without instructions, whose contact gets a real test
//! notification, and one of a kind this build does not know, shown read-only.

use acure_e2e::{App, Device, Keychain, Look, Server};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sqlx::sqlite::SqlitePool;
use std::time::{Duration, Instant};

/// A translation from the UI's own bundle, so the test reads what the person reads.
fn text(language: &str, key: &str) -> Result<String> {
    let bundle: Value = serde_json::from_str(match language {
        "ru" => include_str!("../../ui/i18n/ru.json"),
        _ => include_str!("../../ui/i18n/en.json"),
    })?;
    key.split('.')
        .try_fold(&bundle, |node, part| node.get(part))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("no {key} in {language}"))
}

/// A channel's row for `contact` (an id, or `new`).
fn row(channel: &str, contact: &str) -> String {
    format!("#channel-{channel} [data-contact=\"{contact}\"]")
}

/// The ids of `channel`'s saved contacts, in the order shown.
async fn contact_ids(app: &App, channel: &str) -> Result<Vec<String>> {
    let ids = app
        .js(&format!(
            "return [...document.querySelectorAll('#channel-{channel} [data-contact]')]\
             .map((li) => li.dataset.contact).filter((id) => id !== 'new')"
        ))
        .await?;
    Ok(serde_json::from_value(ids)?)
}

/// Types `value` into the row's field and saves it.
async fn save(app: &App, row: &str, value: &str) -> Result<()> {
    app.fill(&format!("{row} input[data-field=value]"), value)
        .await?;
    app.click(&format!("{row} [data-role=save]")).await
}

/// Waits until the row's note says `message` and its field is marked invalid.
async fn wait_error(app: &App, row: &str, message: &str) -> Result<()> {
    app.wait_text(&format!("{row} [data-role=note]"), message)
        .await?;
    let invalid = app
        .attr(&format!("{row} input[data-field=value]"), "aria-invalid")
        .await?;
    ensure!(
        invalid.as_deref() == Some("true"),
        "{row}: the field is not marked invalid"
    );
    Ok(())
}

/// Waits until `channel` lists `count` saved contacts.
async fn wait_count(app: &App, channel: &str, count: usize) -> Result<()> {
    app.wait_until(
        &format!("{channel} lists {count} contacts"),
        &format!(
            "return document.querySelectorAll('#channel-{channel} [data-contact]:not([data-contact=new])')\
             .length === {count}"
        ),
    )
    .await
}

/// The channels, what is wrong for each (with the error's key) and what is right.
const CASES: &[(&str, &str, &str, &str)] = &[
    ("email", "anna@", "email_invalid", "anna@example.com"),
    (
        "sms",
        "8 912 345 67 89",
        "phone_needs_country_code",
        "+7 912 345-67-89",
    ),
    ("telegram", "@ann", "telegram_invalid", "@anna_petrova"),
    ("slack", "C0123ABCD", "slack_invalid", "u0123abcd"),
    ("mattermost", "@1anna", "mattermost_invalid", "Anna.Petrova"),
    ("teams", "anna", "upn_invalid", "anna@company.com"),
];

async fn scenario(name: &str, look: Look, lang: &str) -> Result<()> {
    let device = Device::new()?;
    let app = App::start(name, &device, &look).await?;
    app.click("#tab-notifications").await?;
    app.wait_until(
        "the channels show",
        "return document.querySelectorAll('#channels .channel').length === 6",
    )
    .await?;
    app.wait_text("#channel-slack [data-role=name]", "Slack")
        .await?;
    // The instructions of an empty channel are open, in the page's language.
    let steps = app.text("#channel-slack [data-role=steps]").await?;
    let copy = if lang == "ru" {
        "Скопировать ID участника"
    } else {
        "Copy member ID"
    };
    ensure!(steps.contains(copy), "Slack's steps: {steps:?}");
    app.shot("empty").await?;

    for (channel, wrong, code, right) in CASES {
        let new = row(channel, "new");
        save(&app, &new, wrong).await?;
        wait_error(&app, &new, &text(lang, &format!("errors.contact.{code}"))?).await?;
        if *channel == "telegram" {
            app.shot("error").await?;
        }
        save(&app, &new, right).await?;
        wait_count(&app, channel, 1).await?;
    }
    let shown = |channel: &str| {
        format!("#channel-{channel} [data-contact]:not([data-contact=new]) input[data-field=value]")
    };
    ensure!(app.value(&shown("sms")).await? == "+7 912 345-67-89");
    ensure!(app.value(&shown("slack")).await? == "U0123ABCD");
    ensure!(app.value(&shown("mattermost")).await? == "@anna.petrova");
    let first_email = row("email", &contact_ids(&app, "email").await?[0]);
    app.wait_text(
        &format!("{first_email} [data-role=status]"),
        &text(lang, "contacts.saved")?,
    )
    .await?;

    // A second e-mail, the same again refused, then disable the first, prefer the second.
    app.click("#channel-email [data-role=add]").await?;
    let new = row("email", "new");
    save(&app, &new, "ANNA@example.com").await?;
    wait_error(&app, &new, &text(lang, "errors.contact.duplicate")?).await?;
    save(&app, &new, "anna@work.example").await?;
    wait_count(&app, "email", 2).await?;
    let emails = contact_ids(&app, "email").await?;
    app.click(&format!("{} [data-role=enabled]", row("email", &emails[0])))
        .await?;
    app.wait_until(
        "the first e-mail is disabled",
        &format!(
            "return document.querySelector({})?.dataset.enabled === 'false'",
            json!(row("email", &emails[0]))
        ),
    )
    .await?;
    app.click(&format!(
        "{} [data-role=preferred]",
        row("email", &emails[1])
    ))
    .await?;
    app.wait_until(
        "the second e-mail is preferred",
        &format!(
            "return document.querySelector({} + ' [data-role=preferred]')?.checked === true \
             && document.querySelector({} + ' [data-role=preferred]')?.checked === false",
            json!(row("email", &emails[1])),
            json!(row("email", &emails[0]))
        ),
    )
    .await?;
    // Clearing a single contact removes it and offers an empty row again.
    let telegram = contact_ids(&app, "telegram").await?;
    app.click(&format!(
        "{} [data-role=clear]",
        row("telegram", &telegram[0])
    ))
    .await?;
    app.wait_until(
        "Telegram is empty again",
        "return !!document.querySelector('#channel-telegram [data-contact=new]')",
    )
    .await?;
    app.js("document.querySelector('main.panels').scrollTop = 0")
        .await?;
    app.shot("filled").await?;
    app.quit().await?;

    let app = App::start(name, &device, &look).await?;
    app.click("#tab-notifications").await?;
    wait_count(&app, "email", 2).await?;
    ensure!(
        contact_ids(&app, "email").await? == emails,
        "the e-mails kept their order"
    );
    let first = row("email", &emails[0]);
    let second = row("email", &emails[1]);
    let kept = app
        .js(&format!(
            "const a = document.querySelector({}), b = document.querySelector({}); \
             return [a.dataset.enabled, a.querySelector('[data-role=preferred]').checked, \
                     b.dataset.enabled, b.querySelector('[data-role=preferred]').checked]",
            json!(first),
            json!(second)
        ))
        .await?;
    ensure!(
        kept == json!(["false", false, "true", true]),
        "after the restart: {kept}"
    );
    ensure!(app.value(&shown("sms")).await? == "+7 912 345-67-89");
    ensure!(contact_ids(&app, "telegram").await?.is_empty());
    app.shot("after-restart").await?;
    app.quit().await
}

#[tokio::test]
async fn contacts_in_english_light() -> Result<()> {
    scenario("notifications-en", Look::english(), "en").await
}

#[tokio::test]
async fn contacts_in_russian_dark() -> Result<()> {
    scenario("notifications-ru-dark", Look::russian().dark(), "ru").await
}

const EMAIL: &str = "anna@example.com";
const SERVER_PASSWORD: &str = "Server-Pass-2026";

/// Puts a channel into the server's catalog as a newer server would have stored it (its kind
/// unknown to this build, so `channel add` would refuse it), and moves the catalog's version.
async fn add_newer_channel(pool: &SqlitePool, definition: &Value) -> Result<()> {
    // Added last: the catalog lists added channels in the order they were added.
    sqlx::query(
        "INSERT INTO channels (id, definition, added_at) \
         VALUES (?, ?, (SELECT coalesce(max(added_at), 0) + 1 FROM channels))",
    )
    .bind(definition["id"].as_str())
    .bind(definition.to_string())
    .execute(pool)
    .await?;
    sqlx::query("UPDATE catalog_changes SET changes = changes + 1")
        .execute(pool)
        .await?;
    Ok(())
}

/// Waits until the server holds contact `value`.
async fn wait_on_server(pool: &SqlitePool, value: &str) -> Result<()> {
    let deadline = Instant::now() + acure_e2e::PATIENCE;
    loop {
        let held: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts WHERE value = ?")
            .bind(value)
            .fetch_one(pool)
            .await?;
        if held > 0 {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the server never got the contact {value}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Scrolls the tab so that the card `css` is at its top.
async fn show_card(app: &App, css: &str) -> Result<()> {
    app.js(&format!(
        "const panels = document.querySelector('main.panels'); \
         panels.scrollTop += document.querySelector({}).getBoundingClientRect().top \
           - panels.getBoundingClientRect().top - 16; return true",
        json!(css)
    ))
    .await
    .map(drop)
}

#[tokio::test]
async fn administrators_channels_on_a_linked_device() -> Result<()> {
    let _keychain = Keychain::start()?;
    let hook = webhook_receiver::start().await;
    let scratch = tempfile::tempdir()?;
    let ca = scratch.path().join("webhook-ca.pem");
    std::fs::write(&ca, &hook.certificate_pem)?;
    let ca = ca.to_str().context("a UTF-8 temporary path")?;
    // The receiver is on loopback: the server is told to send inside the network.
    let server = Server::with_flags(&["--webhooks-to-private-networks", "--webhook-ca-file", ca])?;
    server.add_user(EMAIL, SERVER_PASSWORD, "Anna Server")?;
    server.add_channel(&json!({
        "id": "ops-webhook",
        "name": {"en": "Ops webhook", "ru": "Вебхук дежурных"},
        "kind": "url",
        "multiple": false,
    }))?;
    let pool = SqlitePool::connect(&format!("sqlite://{}", server.database().display())).await?;
    add_newer_channel(
        &pool,
        &json!({
            "id": "matrix",
            "name": {"en": "Matrix", "ru": "Matrix"},
            "kind": "matrix_id",
            "multiple": false,
        }),
    )
    .await?;

    let device = Device::new()?;
    let app = App::launch("admin-channels", &device, &Look::english()).await?;
    app.sign_in_to_server(&server.url(), EMAIL, SERVER_PASSWORD)
        .await?;
    app.click("#tab-notifications").await?;
    // The server's catalog: the six built-in channels, then the two added ones.
    app.wait_until(
        "the server's channels show",
        "return document.querySelectorAll('#channels .channel').length === 8",
    )
    .await?;
    let order = app
        .js("return [...document.querySelectorAll('#channels .channel')].map((c) => c.dataset.channel)")
        .await?;
    ensure!(
        order
            == json!([
                "email",
                "sms",
                "telegram",
                "slack",
                "mattermost",
                "teams",
                "ops-webhook",
                "matrix"
            ]),
        "the catalog's order: {order}"
    );

    // No instructions: the card says whom to ask.
    let webhook = "#channel-ops-webhook";
    app.wait_text(&format!("{webhook} [data-role=name]"), "Ops webhook")
        .await?;
    ensure!(
        app.text(&format!("{webhook} [data-role=ask]")).await? == text("en", "contacts.ask_admin")?
    );
    ensure!(
        app.js(&format!(
            "return document.querySelector('{webhook} [data-role=help]').hidden"
        ))
        .await?
            == json!(true),
        "no «How to find it» without instructions"
    );
    // A kind this build does not know: read-only, with the reason.
    app.wait_text(
        "#channel-matrix [data-role=badge]",
        &text("en", "contacts.read_only")?,
    )
    .await?;
    ensure!(
        app.text("#channel-matrix [data-role=ask]").await? == text("en", "contacts.update_hint")?
    );
    ensure!(
        app.js("return document.querySelectorAll('#channel-matrix input').length")
            .await?
            == json!(0),
        "nothing to type into on a channel this build cannot check"
    );

    // The webhook's address: plain http is refused next to the field, https is kept.
    let new = row("ops-webhook", "new");
    save(&app, &new, "http://hooks.example.com/anna").await?;
    wait_error(&app, &new, &text("en", "errors.contact.url_invalid")?).await?;
    save(&app, &new, &hook.url).await?;
    wait_count(&app, "ops-webhook", 1).await?;
    let saved = row("ops-webhook", &contact_ids(&app, "ops-webhook").await?[0]);
    // «Send a test notification» only where the server has a sender: here, not on e-mail.
    save(&app, &row("email", "new"), EMAIL).await?;
    wait_count(&app, "email", 1).await?;
    let email = row("email", &contact_ids(&app, "email").await?[0]);
    ensure!(
        app.js(&format!(
            "return document.querySelector('{email} [data-role=test]').hidden"
        ))
        .await?
            == json!(true),
        "no test button on e-mail (the server has no sender for it)"
    );
    wait_on_server(&pool, &hook.url).await?;
    app.click(&format!("{saved} [data-role=test]")).await?;
    app.wait_text(
        &format!("{saved} [data-role=status]"),
        &text("en", "contacts.test_sent")?,
    )
    .await?;
    let received = hook.bodies();
    ensure!(received.len() == 1, "the receiver got {received:?}");
    let body: Value = serde_json::from_str(&received[0])?;
    ensure!(
        body["kind"] == "acure_profile.test",
        "the test message: {body}"
    );
    app.wait_until(
        "everything is sent",
        "return document.getElementById('sync-status').dataset.state === 'synced'",
    )
    .await?;
    // A redraw after the sync keeps the outcome on the row.
    ensure!(
        app.text(&format!("{saved} [data-role=status]")).await?
            == text("en", "contacts.test_sent")?,
        "the outcome stays after the sync"
    );
    show_card(&app, webhook).await?;
    app.shot("test-sent").await?;

    // A test still under way when the card is redrawn (here by switching the language, which
    // also brings the administrator's names in Russian) reports on the row drawn now.
    hook.hold();
    app.click(&format!("{saved} [data-role=test]")).await?;
    let status = format!("{saved} [data-role=status]");
    app.wait_text(&status, &text("en", "contacts.testing")?)
        .await?;
    app.choose("#language", "ru").await?;
    app.wait_text(&format!("{webhook} [data-role=name]"), "Вебхук дежурных")
        .await?;
    app.wait_text(&status, &text("ru", "contacts.testing")?)
        .await?;
    hook.release();
    app.wait_text(&status, &text("ru", "contacts.test_sent")?)
        .await?;
    let deliveries = hook.bodies().len();
    ensure!(
        deliveries == 2,
        "two test notifications arrived, not {deliveries}"
    );
    app.wait_text(
        "#channel-matrix [data-role=ask]",
        &text("ru", "contacts.update_hint")?,
    )
    .await?;
    show_card(&app, webhook).await?;
    app.shot("ru").await?;
    app.quit().await
}
