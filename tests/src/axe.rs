//! Accessibility: axe-core (fetched by `cargo xtask test e2e`, path in `ACURE_E2E_AXE`) runs
//! in the page on every screen a scenario photographs. Any violation fails the scenario with
//! its rule, impact and the elements at fault.

use crate::{required_path, within};
use anyhow::{bail, Result};
use fantoccini::Client;
use serde_json::Value;
use std::sync::OnceLock;

/// Rules beyond axe's defaults: a visible label must start the accessible name (WCAG 2.5.3).
const OPTIONS: &str = "{ rules: { 'label-content-name-mismatch': { enabled: true } }, \
                        resultTypes: ['violations'] }";

fn source() -> Result<&'static str> {
    static SOURCE: OnceLock<String> = OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source);
    }
    let text = std::fs::read_to_string(required_path("ACURE_E2E_AXE")?)?;
    Ok(SOURCE.get_or_init(|| text))
}

/// Runs axe-core on the whole page; an error lists every violation.
pub(crate) async fn check(client: &Client) -> Result<()> {
    let loaded = within("axe present", client.execute("return !!window.axe", vec![])).await?;
    if loaded != Value::Bool(true) {
        within("loading axe", client.execute(source()?, vec![])).await?;
    }
    let script = format!(
        "const done = arguments[arguments.length - 1];
         axe.run(document, {OPTIONS}).then(
           (r) => done(r.violations.map((v) => ({{ id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }}))),
           (e) => done([{{ id: 'axe-error', help: String(e), nodes: [] }}]));"
    );
    let violations = within("axe", client.execute_async(&script, vec![])).await?;
    let list = violations.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = list
        .iter()
        .map(|v| {
            format!(
                "{} ({}): {} — {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
            )
        })
        .collect();
    bail!(
        "axe-core found {} violation(s):\n{}",
        list.len(),
        lines.join("\n")
    )
}
