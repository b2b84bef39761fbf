//! The commands through Tauri's IPC on the mock runtime, with the app's real context (so the
//! capability check applies) and a real store in a temporary directory.

use acure_profile_app::boot::{self, BootFailure};
use acure_profile_app::picker::FilePicker;
use acure_profile_app::state::AppState;
use acure_profile_app::{context, with_commands};
use profile_core::{DeviceInfo, ErrorCode, FirstRun, Language};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};
use tempfile::TempDir;

struct Harness {
    _dir: TempDir,
    _app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
}

/// The password every harness account is created with.
const PASSWORD: &str = "Tuman-42-Loshadka";

/// A harness signed in to a freshly created local account.
fn harness() -> Harness {
    harness_with_picks(&[])
}

/// A harness on a device with no account yet (the first-run screen).
fn first_run_harness() -> Harness {
    harness_on(&[], false)
}

fn create_account(main: &WebviewWindow<MockRuntime>) -> Result<Value, Value> {
    invoke(
        main,
        "account_create",
        json!({ "account": {
            "name": "Anna Petrova", "email": "", "language": "en",
            "password": PASSWORD, "password_confirmation": PASSWORD,
        } }),
    )
}

/// A signed-in harness whose file dialog "chooses" `picks` in turn (then cancels).
fn harness_with_picks(picks: &[&std::path::Path]) -> Harness {
    harness_on(picks, true)
}

/// The app's state on a store in `dir`, as Anna's laptop starts it.
fn open_state(dir: &std::path::Path) -> Result<AppState, profile_core::CoreError> {
    tauri::async_runtime::block_on(AppState::open(
        dir,
        FirstRun {
            name: "Anna Petrova".into(),
            language: Language::En,
            time_zone: "Europe/Moscow".into(),
        },
        DeviceInfo {
            device_name: "anna-laptop".into(),
            os: "Debian GNU/Linux 12 (bookworm)".into(),
            app_version: "0.1.0".into(),
        },
    ))
}

fn harness_on(picks: &[&std::path::Path], signed_in: bool) -> Harness {
    let dir = TempDir::new().unwrap();
    let app = with_commands(mock_builder()).build(context()).unwrap();
    let state = open_state(dir.path())
        .unwrap()
        .with_picker(FilePicker::queue(picks.iter().map(|p| p.to_path_buf())));
    app.manage(state);
    let main = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    if signed_in {
        create_account(&main).unwrap();
    }
    Harness {
        _dir: dir,
        _app: app,
        main,
    }
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: if cfg!(windows) {
                "http://tauri.localhost"
            } else {
                "tauri://localhost"
            }
            .parse()
            .unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn profile_get_returns_the_profile_made_on_the_first_run() {
    let h = harness();
    let profile = invoke(&h.main, "profile_get", json!({})).unwrap();
    assert_eq!(profile["name"], "Anna Petrova");
    assert_eq!(profile["language"], "en");
}

#[test]
fn profile_set_saves_a_trimmed_name() {
    let h = harness();
    let saved = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "name": "  Ada  " } }),
    )
    .unwrap();
    assert_eq!(saved["name"], "Ada");
    let reread = invoke(&h.main, "profile_get", json!({})).unwrap();
    assert_eq!(reread["name"], "Ada");
}

#[test]
fn an_empty_name_is_refused_with_the_error_shape_and_nothing_changes() {
    let h = harness();
    let err = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "name": "   " } }),
    )
    .unwrap_err();
    assert_eq!(
        err,
        json!({ "code": "profile.name_required", "message": "Enter your name.", "field": "name" })
    );
    let reread = invoke(&h.main, "profile_get", json!({})).unwrap();
    assert_eq!(reread["name"], "Anna Petrova");
}

#[test]
fn an_over_long_name_is_refused_with_its_limit() {
    let h = harness();
    let err = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "name": "n".repeat(101) } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "profile.name_too_long");
    assert_eq!(err["field"], "name");
    assert_eq!(err["params"], json!({ "max": 100 }));
}

#[test]
fn the_language_is_saved_and_unknown_ones_are_refused() {
    let h = harness();
    let saved = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "language": "ru" } }),
    )
    .unwrap();
    assert_eq!(saved["language"], "ru");
    let err = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "language": "de" } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "profile.language_unsupported");
    assert_eq!(err["field"], "language");
    let reread = invoke(&h.main, "profile_get", json!({})).unwrap();
    assert_eq!(reread["language"], "ru");
}

#[test]
fn a_window_without_the_capability_cannot_call_commands() {
    let h = harness();
    let other = WebviewWindowBuilder::new(h.main.app_handle(), "other", Default::default())
        .build()
        .unwrap();
    let err = invoke(&other, "profile_get", json!({})).unwrap_err();
    // The ACL answers before any command runs; our commands always answer with a coded object.
    assert!(
        err.get("code").is_none(),
        "refused by the ACL, not by the command: {err}"
    );
    assert!(
        invoke(&h.main, "profile_get", json!({})).is_ok(),
        "the main window may"
    );
}

fn keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                keys(v, &format!("{prefix}{k}."), out);
            }
        }
        Value::String(s) => {
            assert!(!s.trim().is_empty(), "{prefix} is empty");
            out.push(prefix.trim_end_matches('.').to_owned());
        }
        other => panic!("{prefix}: translations are strings, found {other}"),
    }
}

#[test]
fn both_languages_have_exactly_the_same_strings() {
    let h = harness();
    let bundles = invoke(&h.main, "ui_strings", json!({})).unwrap();
    let parse =
        |lang: &str| -> Value { serde_json::from_str(bundles[lang].as_str().unwrap()).unwrap() };
    let (mut en, mut ru) = (Vec::new(), Vec::new());
    keys(&parse("en"), "", &mut en);
    keys(&parse("ru"), "", &mut ru);
    en.sort();
    ru.sort();
    assert_eq!(en, ru);
    for code in ErrorCode::all() {
        let key = format!("errors.{code}");
        assert!(en.contains(&key), "no translation for error code {code}");
    }
}

#[test]
fn a_store_that_cannot_open_is_reported_with_its_file_and_reason() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join(acure_profile_app::state::DB_FILE);
    std::fs::write(&db, [0x5a_u8; 4096]).unwrap(); // not a database
    let app = with_commands(mock_builder()).build(context()).unwrap();
    let opened = open_state(dir.path()).map_err(BootFailure::from);
    boot::manage(app.handle(), opened);
    let main = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let err = invoke(&main, "account_status", json!({})).unwrap_err();
    assert_eq!(err["code"], "store.corrupt");
    assert_eq!(err["params"]["path"], db.display().to_string());
    assert_eq!(err["params"]["file"], "profile.sqlite3");
    assert_eq!(err["params"]["folder"], dir.path().display().to_string());
    // The strings still load, so the window can say all this in words.
    assert!(invoke(&main, "ui_strings", json!({})).is_ok());
}

#[test]
fn an_avatar_is_chosen_cropped_and_saved_through_the_commands() {
    let files = TempDir::new().unwrap();
    let too_large = files.path().join("huge.jpg");
    std::fs::write(&too_large, vec![0u8; 5 * 1024 * 1024 + 1]).unwrap();
    let photo = files.path().join("photo.png");
    image::RgbImage::from_fn(1000, 700, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 60])
    })
    .save(&photo)
    .unwrap();
    let h = harness_with_picks(&[&too_large, &photo]);

    let err = invoke(&h.main, "avatar_choose", json!({ "title": "Choose" })).unwrap_err();
    assert_eq!(err["code"], "avatar.too_large");
    assert_eq!(err["params"]["size_bytes"], 5 * 1024 * 1024 + 1);

    let chosen = invoke(&h.main, "avatar_choose", json!({ "title": "Choose" })).unwrap();
    assert_eq!(
        (chosen["width"].as_u64(), chosen["height"].as_u64()),
        (Some(1000), Some(700))
    );
    assert!(chosen["preview"]
        .as_str()
        .unwrap()
        .starts_with("data:image/"));

    let err = invoke(
        &h.main,
        "avatar_save",
        json!({ "square": { "x": 500, "y": 0, "size": 700 } }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "avatar.crop_invalid",
        "the square sticks out of the picture"
    );
    let profile = invoke(
        &h.main,
        "avatar_save",
        json!({ "square": { "x": 150, "y": 0, "size": 700 } }),
    )
    .unwrap();
    assert!(profile["avatar"]
        .as_str()
        .unwrap()
        .starts_with("data:image/jpeg;base64,"));

    let cancelled = invoke(&h.main, "avatar_choose", json!({ "title": "Choose" })).unwrap();
    assert_eq!(
        cancelled,
        Value::Null,
        "an empty queue is a cancelled dialog"
    );
    let profile = invoke(&h.main, "avatar_remove", json!({})).unwrap();
    assert_eq!(profile["avatar"], Value::Null);
}

#[test]
fn avatar_cancel_is_granted_and_does_not_stop_the_next_choose() {
    let files = TempDir::new().unwrap();
    let photo = files.path().join("photo.png");
    image::RgbImage::from_fn(600, 400, |x, _| image::Rgb([(x % 256) as u8, 90, 30]))
        .save(&photo)
        .unwrap();
    let h = harness_with_picks(&[&photo]);
    // Nothing runs: cancelling is harmless, and the next choose gets a token of its own.
    let done = invoke(&h.main, "avatar_cancel", json!({})).unwrap();
    assert_eq!(done, Value::Null);
    let chosen = invoke(&h.main, "avatar_choose", json!({ "title": "Choose" })).unwrap();
    assert_eq!(chosen["width"], 600);
    let profile = invoke(
        &h.main,
        "avatar_save",
        json!({ "square": { "x": 0, "y": 0, "size": 400 } }),
    )
    .unwrap();
    assert!(profile["avatar"].is_string());
}

#[test]
fn time_zones_are_searched_and_saved() {
    let h = harness();
    let found = invoke(
        &h.main,
        "time_zones_search",
        json!({ "query": "Москва", "language": "ru" }),
    )
    .unwrap();
    assert_eq!(found[0]["id"], "Europe/Moscow");
    assert!(found[0]["label"].as_str().unwrap().contains("Москва"));
    let saved = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "time_zone": "Asia/Kolkata" } }),
    )
    .unwrap();
    assert_eq!(saved["time_zone"], "Asia/Kolkata");
    let err = invoke(
        &h.main,
        "profile_set",
        json!({ "changes": { "time_zone": "Nowhere/City" } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "profile.time_zone_invalid");
    assert_eq!(err["field"], "time_zone");
}

#[test]
fn the_first_run_creates_the_account_and_signs_in() {
    let h = first_run_harness();
    let status = invoke(&h.main, "account_status", json!({})).unwrap();
    assert_eq!(
        status,
        json!({ "state": "first_run", "name": "Anna Petrova", "language": "en",
                "avatar": null, "wait_seconds": 0, "server_url": null, "email": null })
    );
    // Nothing of the profile can be read or changed before it exists and someone signs in.
    let refused = invoke(&h.main, "profile_get", json!({})).unwrap_err();
    assert_eq!(refused["code"], "account.signed_out");

    let mismatch = invoke(
        &h.main,
        "account_create",
        json!({ "account": {
            "name": "Anna", "email": "", "language": "ru",
            "password": PASSWORD, "password_confirmation": "Tuman-42-Loshadkа",
        } }),
    )
    .unwrap_err();
    assert_eq!(mismatch["code"], "password.mismatch");
    assert_eq!(mismatch["field"], "password_confirmation");
    let weak = invoke(
        &h.main,
        "account_create",
        json!({ "account": {
            "name": "Anna", "email": "", "language": "ru",
            "password": "Password1", "password_confirmation": "Password1",
        } }),
    )
    .unwrap_err();
    assert_eq!(weak["code"], "password.too_common");
    assert_eq!(weak["field"], "new_password");
    assert_eq!(
        invoke(&h.main, "account_status", json!({})).unwrap()["state"],
        "first_run"
    );

    let profile = invoke(
        &h.main,
        "account_create",
        json!({ "account": {
            "name": " Анна ", "email": "anna@example.com", "language": "ru",
            "password": PASSWORD, "password_confirmation": PASSWORD,
        } }),
    )
    .unwrap();
    assert_eq!(profile["name"], "Анна");
    assert_eq!(profile["language"], "ru");
    assert_eq!(profile["time_zone"], "Europe/Moscow");
    let status = invoke(&h.main, "account_status", json!({})).unwrap();
    assert_eq!(status["state"], "signed_in");
    assert_eq!(status["language"], "ru");
    assert!(invoke(&h.main, "profile_get", json!({})).is_ok());
}

#[test]
fn the_live_checklist_names_each_rule() {
    let h = first_run_harness();
    let checked = invoke(&h.main, "password_check", json!({ "password": "ёжик" })).unwrap();
    assert_eq!(
        checked,
        json!({ "length_ok": false, "digit": false, "upper": false, "lower": true,
                "not_common": true, "strength": checked["strength"] })
    );
    let checked = invoke(&h.main, "password_check", json!({ "password": "Ёжик123" })).unwrap();
    assert_eq!(checked["length_ok"], true);
    assert_eq!(checked["upper"], true);
    assert_eq!(checked["digit"], true);
}

#[test]
fn a_password_change_checks_the_current_one_then_the_rules() {
    let h = harness();
    let change = |current: &str, new: &str| {
        invoke(
            &h.main,
            "password_change",
            json!({ "current": current, "new": new }),
        )
    };
    let wrong = change("Wrong-42-password", "Ёжик-в-тумане-7").unwrap_err();
    assert_eq!(wrong["code"], "password.current_wrong");
    assert_eq!(wrong["field"], "current_password");
    let weak = change(PASSWORD, "ёжик").unwrap_err();
    assert_eq!(weak["code"], "password.too_short");
    assert_eq!(weak["field"], "new_password");
    let same = change(PASSWORD, PASSWORD).unwrap_err();
    assert_eq!(same["code"], "password.same_as_current");
    change(PASSWORD, "Ёжик-в-тумане-7").unwrap();
    // Still signed in, and the new password is the one that now works.
    assert_eq!(
        invoke(&h.main, "account_status", json!({})).unwrap()["state"],
        "signed_in"
    );
    let again = change(PASSWORD, "Другой-пароль-8").unwrap_err();
    assert_eq!(again["code"], "password.current_wrong");
}

#[test]
fn ending_all_sessions_signs_out_until_the_password_is_given() {
    let h = harness();
    let sessions = invoke(&h.main, "sessions_list", json!({ "language": "en" })).unwrap();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    let current = &sessions[0];
    assert_eq!(current["is_current"], true);
    assert_eq!(current["device_name"], "anna-laptop");
    assert_eq!(current["os"], "Debian GNU/Linux 12 (bookworm)");
    assert!(current["started_text"].as_str().unwrap().contains(", 20"));

    invoke(&h.main, "sessions_end_all", json!({})).unwrap();
    let status = invoke(&h.main, "account_status", json!({})).unwrap();
    assert_eq!(status["state"], "signed_out");
    assert_eq!(status["name"], "Anna Petrova");
    for (cmd, args) in [
        ("profile_get", json!({})),
        ("profile_set", json!({ "changes": { "name": "Eve" } })),
        ("avatar_remove", json!({})),
        ("sessions_list", json!({ "language": "en" })),
        (
            "password_change",
            json!({ "current": PASSWORD, "new": "Ёжик-в-тумане-7" }),
        ),
    ] {
        let refused = invoke(&h.main, cmd, args).unwrap_err();
        assert_eq!(refused["code"], "account.signed_out", "{cmd}");
    }

    let wrong = invoke(&h.main, "sign_in", json!({ "password": "nope" })).unwrap_err();
    assert_eq!(wrong["code"], "password.wrong");
    assert_eq!(wrong["field"], "password");
    let profile = invoke(&h.main, "sign_in", json!({ "password": PASSWORD })).unwrap();
    assert_eq!(profile["name"], "Anna Petrova");
    let sessions = invoke(&h.main, "sessions_list", json!({ "language": "ru" })).unwrap();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "the ended one is listed too");
    assert_eq!(sessions[0]["is_current"], true);
    assert!(sessions[1]["ended_at"].is_i64());
    assert!(sessions[1]["ended_text"].as_str().unwrap().contains('.'));

    // Ending this device's own session by id signs out too, and says so.
    let id = sessions[0]["id"].clone();
    let state = invoke(&h.main, "session_end", json!({ "id": id })).unwrap();
    assert_eq!(state, "signed_out");
}

/// Asserts `err` is the coded refusal of a malformed argument named `field`.
fn assert_request_invalid(err: &Value, field: &str, case: &str) {
    assert_eq!(err["code"], "request.invalid", "{case}: {err}");
    assert_eq!(err["field"], field, "{case}: {err}");
    assert!(err["message"].is_string(), "{case}: {err}");
}

#[test]
fn malformed_arguments_are_refused_with_the_error_shape_and_the_argument_named() {
    let h = harness_with_picks(&[]);
    let cases = [
        (
            "profile_set",
            json!({ "changes": { "name": 42 } }),
            "changes",
        ),
        ("profile_set", json!({ "changes": "Anna" }), "changes"),
        ("profile_set", json!({}), "changes"),
        ("avatar_choose", json!({ "title": 7 }), "title"),
        ("avatar_choose", json!({}), "title"),
        (
            "avatar_save",
            json!({ "square": { "x": -5, "y": 0, "size": 100 } }),
            "square",
        ),
        (
            "avatar_save",
            json!({ "square": { "x": 0, "y": 0, "size": 1e12 } }),
            "square",
        ),
        ("avatar_save", json!({ "square": null }), "square"),
        ("session_end", json!({ "id": "not-a-uuid" }), "id"),
        ("session_end", json!({ "id": 12 }), "id"),
        ("sessions_list", json!({ "language": ["en"] }), "language"),
        (
            "time_zones_search",
            json!({ "query": null, "language": "en" }),
            "query",
        ),
        ("time_zone_describe", json!({ "language": "en" }), "id"),
        ("password_check", json!({ "password": false }), "password"),
        (
            "password_change",
            json!({ "current": PASSWORD, "new": { "x": 1 } }),
            "new",
        ),
        ("sign_in", json!({ "password": 123456 }), "password"),
        ("account_create", json!({ "account": [] }), "account"),
    ];
    for (command, args, field) in cases {
        let err = invoke(&h.main, command, args.clone()).unwrap_err();
        assert_request_invalid(&err, field, &format!("{command} {args}"));
    }
    // Nothing was half-done: the profile is as it was.
    let profile = invoke(&h.main, "profile_get", json!({})).unwrap();
    assert_eq!(profile["name"], "Anna Petrova");
}

#[test]
fn time_zone_queries_are_capped() {
    let h = harness();
    let long = "Москва".repeat(17); // 102 characters
    let err = invoke(
        &h.main,
        "time_zones_search",
        json!({ "query": long, "language": "en" }),
    )
    .unwrap_err();
    assert_request_invalid(&err, "query", "a 102-character query");
    let longest_allowed = "x".repeat(100);
    let found = invoke(
        &h.main,
        "time_zones_search",
        json!({ "query": longest_allowed, "language": "en" }),
    )
    .unwrap();
    assert_eq!(found, json!([]));
}

#[test]
fn every_catalogue_zone_is_saved_and_described_with_its_time_written_in_rust() {
    let h = harness();
    for id in profile_core::time_zone::TimeZoneCatalog::new().ids() {
        let profile = invoke(
            &h.main,
            "profile_set",
            json!({ "changes": { "time_zone": id } }),
        )
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(profile["time_zone"], id);
        let described = invoke(
            &h.main,
            "time_zone_describe",
            json!({ "id": id, "language": "ru" }),
        )
        .unwrap();
        let time = described["time"].as_str().unwrap_or_default();
        assert!(
            time.len() == 5 && time.as_bytes()[2] == b':',
            "{id}: time {time:?}"
        );
    }
}

#[test]
fn a_local_profile_lists_no_tokens_issues_none_and_bad_arguments_keep_the_error_shape() {
    let h = harness();
    let lists = invoke(&h.main, "tokens_list", json!({ "language": "en" })).unwrap();
    assert_eq!(
        (&lists["active"], &lists["withdrawn"]),
        (&json!([]), &json!([]))
    );
    let request = json!({ "request": {
        "description": "ci", "scope": "read", "expiry": { "kind": "never" },
    } });
    let refused = invoke(&h.main, "token_issue", request).unwrap_err();
    assert_eq!(refused["code"], "token.needs_server");
    // A scope that does not exist, an expiry of no known kind, an id that is no UUID: the
    // argument is named, in the app's error shape.
    for (cmd, args, field) in [
        (
            "token_issue",
            json!({ "request": { "scope": "admin", "expiry": { "kind": "never" } } }),
            "request",
        ),
        (
            "token_issue",
            json!({ "request": { "scope": "read", "expiry": { "kind": "soon" } } }),
            "request",
        ),
        ("token_revoke", json!({ "id": "not-a-uuid" }), "id"),
        ("token_edit", json!({ "id": 7, "edit": {} }), "id"),
    ] {
        let err = invoke(&h.main, cmd, args).unwrap_err();
        assert_eq!(
            (err["code"].as_str(), err["field"].as_str()),
            (Some("request.invalid"), Some(field)),
            "{cmd}"
        );
    }
    // No panel is open: there is nothing to copy.
    let copy = invoke(&h.main, "token_copy", json!({})).unwrap_err();
    assert_eq!(copy["code"], "token.not_found");
}
