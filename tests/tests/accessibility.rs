//! The accessibility check every screenshot runs is real: axe-core finds nothing on the
//! first-run screen and names the rule a planted fault breaks.

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
