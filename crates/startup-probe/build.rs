//! Declares the plugin's commands, so Tauri's ACL can grant them.

const COMMANDS: &[&str] = &["ping", "ready"];

fn main() {
    tauri_plugin::Builder::new(COMMANDS).build();
}
