//! Reads the root `tauri.conf.json` and lists the app's commands in its ACL manifest, so the
//! capability files decide which of them the webview may call.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "profile_get",
        "profile_set",
        "ui_strings",
        "avatar_choose",
        "avatar_save",
        "avatar_remove",
        "avatar_cancel",
        "time_zones_search",
        "time_zone_describe",
        "account_status",
        "account_create",
        "sign_in",
        "password_check",
        "password_change",
        "sessions_list",
        "session_end",
        "sessions_end_others",
        "sessions_end_all",
        "server_sign_in",
        "server_sign_out",
        "sync_status",
        "sync_now",
        "secret_notice_seen",
        "sync_review",
        "sync_decide",
        "tokens_list",
        "token_issue",
        "token_copy",
        "token_forget",
        "token_edit",
        "token_revoke",
        "token_remove",
        "contacts_list",
        "contact_save",
        "contact_remove",
        "contact_test",
    ]);
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(manifest);
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
