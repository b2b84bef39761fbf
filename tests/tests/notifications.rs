//! End-to-end: the Notifications tab of a local profile in the real window. Every built-in
//! channel is filled wrongly (its translated error shows next to its field) and rightly; the
//! instructions are read; a second e-mail is added, one disabled, the other made preferred;
//! a contact is cleared; after a restart everything is as it was left. English in the light
//! theme, Russian in the dark one.

use acure_e2e::{App, Device, Look};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

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
