//! Which tables of the local store hold synced state and which hold this device's own
//! (DESIGN.md §3), listed once: a pull replaces the synced ones and nothing else.

/// Tables a user's devices and the server share, replaced wholesale by a pull; children
/// before parents, the order to empty them in.
pub const SYNCED: &[&str] = &["contact", "api_token", "session", "profile"];

/// Tables that never leave this device.
pub const DEVICE_LOCAL: &[&str] = &[
    "device",
    "credential",
    "password_throttle",
    "sync_client",
    "outbox",
    "avatar_blob",
    "sync_rejection",
    "sync_conflict",
    "channel_catalog",
];
