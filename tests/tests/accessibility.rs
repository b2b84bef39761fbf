//! The accessibility check every screenshot runs is real: axe-core finds nothing on the
//! first-run screen and names the rule a planted fault breaks. And every form is built by the
//! one field component: each field labelled, tied to its note, passwords boxed with a toggle.

use acure_e2e::{App, Device, Look};
use anyhow::{ensure, Result};

#[tokio::test]
async fn axe_passes_the_first_screen_and_names_a_planted_fault() -> Result<()> {
    let device = Device::new()?;
    let app = App::launch("accessibility", &device, &Look::english()).await?;
    app.wait_screen("welcome").await?;
    app.check_accessibility().await?;
    // An input with no label and a text too faint to read.
    app.js(
        "const input = document.createElement('input'); input.id = 'planted'; \
         document.querySelector('#welcome .gate-card').append(input); \
         const faint = document.createElement('p'); faint.textContent = 'faint'; \
         faint.style.color = '#eee'; faint.style.background = '#fff'; \
         document.querySelector('#welcome .gate-card').append(faint); return true",
    )
    .await?;
    let found = app.check_accessibility().await;
    let report = format!(
        "{:#}",
        found
            .as_ref()
            .err()
            .map_or(String::new(), |e| e.to_string())
    );
    ensure!(
        found.is_err(),
        "axe found nothing wrong with an unlabelled input"
    );
    ensure!(
        report.contains("label"),
        "the report names the missing label: {report}"
    );
    ensure!(
        report.contains("color-contrast"),
        "and the faint text: {report}"
    );
    app.quit().await
}

/// What is wrong with the wiring of the fields under the elements `arguments[0]` selects
/// (the screen shown: other screens' forms are wired when they are shown): every input is
/// labelled, names its note in `aria-describedby`, and a password input sits in its box with
/// one show/hide toggle that controls it. Returns how many fields it looked at, and the faults.
const FIELD_WIRING: &str = "
  const faults = [];
  const inputs = [...document.querySelectorAll(arguments[0])].flatMap((root) => [...root.querySelectorAll('form [data-field]')]);
  for (const input of inputs) {
    const name = input.id || input.dataset.field;
    if (input.labels.length === 0) faults.push(`${name}: no label`);
    const note = input.form.querySelector(`[data-note-for=\"${input.dataset.field}\"]`);
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ');
    if (note && !described.includes(note.id)) faults.push(`${name}: its note is not described`);
    if (input.type === 'password' || input.closest('.password-box')) {
      const toggles = input.parentElement.querySelectorAll('.password-toggle');
      if (!input.parentElement.classList.contains('password-box')) faults.push(`${name}: not boxed`);
      if (toggles.length !== 1 || toggles[0].getAttribute('aria-controls') !== input.id) {
        faults.push(`${name}: ${toggles.length} toggles`);
      }
    }
  }
  return { fields: inputs.length, faults };
";

async fn field_faults(app: &App, roots: &str) -> Result<(u64, Vec<String>)> {
    let answer = app.js_with(FIELD_WIRING, vec![roots.into()]).await?;
    let fields = answer["fields"].as_u64().unwrap_or_default();
    let faults = answer["faults"]
        .as_array()
        .map(|all| all.iter().map(|f| f.to_string()).collect())
        .unwrap_or_default();
    Ok((fields, faults))
}

/// The signed-in screen and its dialogs.
const APP: &str = "#app, dialog";

#[tokio::test]
async fn every_form_wires_its_fields_the_same_way() -> Result<()> {
    let device = Device::new()?;
    let app = App::launch("field-wiring", &device, &Look::english()).await?;
    app.wait_screen("welcome").await?;
    // The local form and the server form (a template, mounted when it is first chosen).
    app.click("input[name=welcome-path][value=server]").await?;
    let (fields, faults) = field_faults(&app, "#welcome").await?;
    ensure!(fields >= 7, "the welcome screen has its fields: {fields}");
    ensure!(faults.is_empty(), "welcome screen: {faults:?}");
    app.click("input[name=welcome-path][value=local]").await?;
    app.create_local_profile(acure_e2e::PASSWORD).await?;
    app.click("#tab-notifications").await?;
    app.wait_until(
        "the channels show",
        "return document.querySelectorAll('#channels .contact-row').length >= 6",
    )
    .await?;
    let (fields, faults) = field_faults(&app, APP).await?;
    // Four details, two passwords, six contacts, the token forms' fields.
    ensure!(fields >= 12, "the profile has its fields: {fields}");
    ensure!(faults.is_empty(), "profile screen: {faults:?}");
    // The check itself is real: a password input taken out of its box is reported.
    let (_, faults) = {
        app.js(
            "const box = document.querySelector('#current-password').parentElement; \
                box.before(document.querySelector('#current-password')); return true",
        )
        .await?;
        field_faults(&app, APP).await?
    };
    ensure!(
        faults.iter().any(|f| f.contains("current-password")),
        "an unboxed password is a fault: {faults:?}"
    );
    app.quit().await
}
