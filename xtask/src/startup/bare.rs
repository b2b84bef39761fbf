//! The bare Tauri app the start-up benchmark compares ours with: generated at bench time
//! under the target directory, with the Tauri version, features and plugins that ours has,
//! the same window and security settings, the same release profile and locked versions, and
//! a page that shows one static screen. Only what Acure Profile adds is missing from it.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// Package and binary name of the bare app.
pub const NAME: &str = "bare-tauri-app";
/// Our app's package, whose Tauri dependencies the bare app copies.
const OURS: &str = "acure-profile";
/// The probe crate: linked into the bare app always, into ours with a feature.
const PROBE: &str = "tauri-plugin-startup-probe";

/// Writes the bare app's project into `dir` (files rewritten only when they change, so an
/// unchanged project is not rebuilt).
pub fn generate(root: &Path, dir: &Path) -> Result<()> {
    let ours = our_manifest(root)?;
    let plugins = plugins(&ours)?;
    write(&dir.join("Cargo.toml"), &cargo_toml(root, &ours, &plugins)?)?;
    write(
        &dir.join("build.rs"),
        "fn main() {\n    tauri_build::build()\n}\n",
    )?;
    write(&dir.join("src/main.rs"), &main_rs(&plugins))?;
    write(&dir.join("tauri.conf.json"), &tauri_conf(root)?)?;
    write(&dir.join("ui/index.html"), INDEX_HTML)?;
    write(&dir.join("ui/main.js"), MAIN_JS)?;
    // Our resolved versions, so both apps are built from the same crates.
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    write(&dir.join("Cargo.lock"), &lock)
}

/// The page: one static screen, marked shown from a module script as ours marks its first
/// screen, so the probe waits for both in the same way.
const INDEX_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Bare Tauri app</title>
  <script type="module" src="main.js"></script>
</head>
<body>
  <main>
    <h1>Bare Tauri app</h1>
    <p>The Tauri version and plugins of Acure Profile, and nothing else.</p>
  </main>
</body>
</html>
"#;

const MAIN_JS: &str = "document.body.dataset.screen = 'bare';\n";

/// A dependency of ours, as `cargo metadata` lists it.
struct Dependency {
    name: String,
    req: String,
    features: Vec<String>,
}

/// Our package's manifest from `cargo metadata`.
fn our_manifest(root: &Path) -> Result<Value> {
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let metadata: Value = serde_json::from_slice(&out.stdout)?;
    metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == OURS))
        .cloned()
        .with_context(|| format!("package {OURS} not found in the workspace"))
}

/// Our dependency `name` of `kind` (`null` for normal, `"build"`).
fn dependency(ours: &Value, name: &str, kind: Value) -> Result<Dependency> {
    let dep = ours["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["name"] == name && d["kind"] == kind)
        .with_context(|| format!("{OURS} has no dependency {name}"))?;
    Ok(to_dependency(dep))
}

fn to_dependency(dep: &Value) -> Dependency {
    Dependency {
        name: dep["name"].as_str().unwrap_or_default().to_owned(),
        req: dep["req"].as_str().unwrap_or("*").to_owned(),
        features: dep["features"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect(),
    }
}

/// Every Tauri plugin ours always links (the probe aside), single-instance first as in ours:
/// it must be registered before any other.
fn plugins(ours: &Value) -> Result<Vec<Dependency>> {
    let mut plugins: Vec<Dependency> = ours["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["kind"].is_null() && d["optional"] == false)
        .filter(|d| {
            d["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("tauri-plugin-") && n != PROBE)
        })
        .map(to_dependency)
        .collect();
    plugins.sort_by_key(|p| p.name != "tauri-plugin-single-instance");
    Ok(plugins)
}

/// How the bare app starts a plugin: as ours does, minus what ours does in its callbacks.
fn plugin_init(name: &str) -> Result<&'static str> {
    Ok(match name {
        "tauri-plugin-dialog" => "tauri_plugin_dialog::init()",
        "tauri-plugin-single-instance" => {
            "tauri_plugin_single_instance::init(|_app, _argv, _cwd| {})"
        }
        "tauri-plugin-clipboard-manager" => "tauri_plugin_clipboard_manager::init()",
        other => bail!(
            "the bare app does not know how to start {other}: add it to xtask/src/startup/bare.rs"
        ),
    })
}

fn main_rs(plugins: &[Dependency]) -> String {
    let mut out = String::from(
        "// Generated by `cargo xtask bench startup`: Tauri with Acure Profile's plugins, nothing else.\n\
         fn main() {\n    tauri::Builder::default()\n",
    );
    for plugin in plugins {
        let init = plugin_init(&plugin.name).expect("checked in cargo_toml");
        out.push_str(&format!("        .plugin({init})\n"));
    }
    out.push_str(
        "        .plugin(tauri_plugin_startup_probe::init())\n        \
         .run(tauri::generate_context!())\n        \
         .expect(\"the bare app failed to start\");\n}\n",
    );
    out
}

fn cargo_toml(root: &Path, ours: &Value, plugins: &[Dependency]) -> Result<String> {
    let mut tauri = dependency(ours, "tauri", Value::Null)?;
    // Ours turns it on through its default feature: the UI is served from the binary.
    tauri.features.push("custom-protocol".to_owned());
    let tauri_build = dependency(ours, "tauri-build", json!("build"))?;
    let mut out = format!(
        "# Generated by `cargo xtask bench startup`; rewritten on every run.\n\
         [package]\nname = \"{NAME}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         # Not a member of any workspace around it.\n[workspace]\n\n\
         [build-dependencies]\n{}\n\n[dependencies]\n{}\n",
        requirement(&tauri_build),
        requirement(&tauri),
    );
    for plugin in plugins {
        plugin_init(&plugin.name)?;
        out.push_str(&requirement(plugin));
        out.push('\n');
    }
    let probe = root.join("crates").join("startup-probe");
    out.push_str(&format!(
        "{PROBE} = {{ path = {:?} }}\n\n",
        probe.display().to_string()
    ));
    out.push_str(&release_profile(&std::fs::read_to_string(
        root.join("Cargo.toml"),
    )?));
    Ok(out)
}

fn requirement(dep: &Dependency) -> String {
    format!(
        "{} = {{ version = {:?}, features = {:?} }}",
        dep.name, dep.req, dep.features
    )
}

/// The `[profile.release…]` sections of the workspace manifest, verbatim.
fn release_profile(manifest: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.starts_with("[profile.release");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Our window and security settings under a name and identifier of its own (its own
/// single-instance name too), icons from ours.
fn tauri_conf(root: &Path) -> Result<String> {
    let ours: Value = serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json"))?)
        .context("tauri.conf.json")?;
    let icons = root.join("icons");
    let conf = json!({
        "productName": "Bare Tauri app",
        "mainBinaryName": NAME,
        "version": "0.1.0",
        "identifier": "com.acure.bench.bare",
        "build": { "frontendDist": "ui" },
        "app": {
            "withGlobalTauri": ours["app"]["withGlobalTauri"],
            "windows": ours["app"]["windows"],
            "security": ours["app"]["security"],
        },
        "bundle": {
            "active": false,
            "icon": [icons.join("32x32.png"), icons.join("icon.png")],
        },
    });
    Ok(serde_json::to_string_pretty(&conf)? + "\n")
}

fn write(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_profile_is_copied_with_its_package_overrides() {
        let manifest = "[workspace]\nresolver = \"2\"\n\n[profile.dev]\nopt-level = 1\n\n\
                        [profile.release]\nlto = true\nstrip = true\n\n\
                        [profile.release.package.foo]\nopt-level = 3\n\n[patch.crates-io]\n";
        assert_eq!(
            release_profile(manifest),
            "[profile.release]\nlto = true\nstrip = true\n\n[profile.release.package.foo]\nopt-level = 3\n\n"
        );
    }
}
