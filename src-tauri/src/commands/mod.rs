//! Tauri commands, one module per domain. Each parses input, calls the core and maps errors.

pub mod avatar;
pub mod channels;
pub mod i18n;
pub mod profile;
pub mod security;
pub mod server;
pub mod sessions;
pub mod time_zone;
pub mod tokens;
