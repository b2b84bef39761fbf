//! The administration commands through the real binary, on each backend, with their effect
//! seen through the real router.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestDb, TestServer};
use std::io::Write;
use std::process::{Command, Output, Stdio};

both_backends!(
    user_commands_manage_accounts,
    user_commands_refuse_clearly,
    channel_commands_extend_the_catalog,
);

/// Runs `profile-server <database flags> <args>`, with `stdin` as its standard input.
fn cli(db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_profile-server"))
        .args(&db.flags)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PROFILE_SERVER_DATABASE")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[track_caller]
fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[track_caller]
fn refused(output: &Output, expected: &str) {
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(expected), "{expected} not in {stderr:?}");
}

/// The `user list` row of `email`, split into cells.
fn row(list: &str, email: &str) -> Vec<String> {
    let line = list
        .lines()
        .find(|l| l.contains(email))
        .unwrap_or_else(|| panic!("{email} not listed in {list:?}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn user_commands_manage_accounts(backend: Backend) {
    let db = TestDb::new(backend).await;
    let added = ok(&cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            " Anna@Example.com ",
            "--name",
            "Anna Petrova",
            "--password-stdin",
        ],
        "Str0ng-Passw0rd\n",
    ));
    assert!(added.starts_with("added Anna@Example.com ("), "{added}");
    ok(&cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "bob@example.com",
            "--name",
            "Bob",
            "--password-stdin",
        ],
        "Ёлка-Зима-2026\r\n",
    ));
    let list = ok(&cli(&db, &["user", "list"], ""));
    assert_eq!(list.lines().count(), 3, "{list}");
    assert!(list.starts_with("ID "), "{list}");
    let anna = row(&list, "Anna@Example.com");
    assert_eq!(
        anna[1..],
        ["Anna@Example.com", "Anna Petrova", "no", "no", "0"]
    );

    let server = TestServer::over(db, true, None).await;
    let first = server
        .signed_in("anna@example.com", "Str0ng-Passw0rd")
        .await;
    let second = server
        .signed_in("anna@example.com", "Str0ng-Passw0rd")
        .await;
    // The password read from stdin lost its line break, and only that.
    server.signed_in("bob@example.com", "Ёлка-Зима-2026").await;
    let list = ok(&cli(&server.db, &["user", "list"], ""));
    assert_eq!(row(&list, "Anna@Example.com")[5], "2");

    ok(&cli(
        &server.db,
        &["user", "grant-admin", "--email", "ANNA@example.com"],
        "",
    ));
    let list = ok(&cli(&server.db, &["user", "list"], ""));
    assert_eq!(row(&list, "Anna@Example.com")[3], "yes");
    assert_eq!(row(&list, "bob@example.com")[3], "no");
    let answer = server
        .sign_in("anna@example.com", "Str0ng-Passw0rd", "192.0.2.3")
        .await;
    assert_eq!(answer.body["user"]["is_admin"], true);

    // A reset ends every session and only the new password signs in.
    ok(&cli(
        &server.db,
        &[
            "user",
            "reset-password",
            "--email",
            "anna@example.com",
            "--password-stdin",
        ],
        "Nebula-Kettle-42\n",
    ));
    for secret in [&first, &second] {
        server
            .sign_out(secret)
            .await
            .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    }
    let old = server
        .sign_in("anna@example.com", "Str0ng-Passw0rd", "192.0.2.4")
        .await;
    old.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    server.clock.advance(1_000);
    let third = server
        .signed_in("anna@example.com", "Nebula-Kettle-42")
        .await;
    let list = ok(&cli(&server.db, &["user", "list"], ""));
    assert_eq!(row(&list, "Anna@Example.com")[5], "1");

    // Disabling ends the sessions and refuses sign-in with the usual answer.
    ok(&cli(
        &server.db,
        &["user", "disable", "--email", "anna@example.com"],
        "",
    ));
    server
        .sign_out(&third)
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    let disabled = server
        .sign_in("anna@example.com", "Nebula-Kettle-42", "192.0.2.5")
        .await;
    disabled.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    let id = &row(&list, "Anna@Example.com")[0];
    let sessions = server.db.store.sessions_of(id).await.unwrap();
    assert_eq!(sessions[0].end_reason.as_deref(), Some("disabled"));
    let reasons: Vec<_> = sessions.iter().map(|s| s.end_reason.as_deref()).collect();
    assert_eq!(
        reasons,
        [
            Some("disabled"),
            Some("password_changed"),
            Some("password_changed"),
            Some("password_changed")
        ]
    );
    let list = ok(&cli(&server.db, &["user", "list"], ""));
    assert_eq!(row(&list, "Anna@Example.com")[4..], ["yes", "0"]);
    assert_eq!(row(&list, "bob@example.com")[4..], ["no", "1"]);
}

async fn user_commands_refuse_clearly(backend: Backend) {
    let db = TestDb::new(backend).await;
    let add = |email: &str, password: &str| {
        cli(
            &db,
            &[
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Anna",
                "--password-stdin",
            ],
            password,
        )
    };
    ok(&add("anna@example.com", "Str0ng-Passw0rd\n"));
    refused(
        &add("ANNA@EXAMPLE.COM", "Str0ng-Passw0rd\n"),
        "[user.exists]",
    );
    refused(
        &add("short@example.com", "aB1\n"),
        "The new password is too short. [password.too_short, new_password]",
    );
    refused(
        &add("common@example.com", "Password1\n"),
        "[password.too_common",
    );
    refused(
        &add("not-an-address", "Str0ng-Passw0rd\n"),
        "[profile.email_invalid, email]",
    );
    refused(
        &add("", "Str0ng-Passw0rd\n"),
        "[profile.email_invalid, email]",
    );
    let blank_name = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "x@example.com",
            "--name",
            "  ",
            "--password-stdin",
        ],
        "Str0ng-Passw0rd\n",
    );
    refused(&blank_name, "[profile.name_required, name]");
    for command in ["disable", "grant-admin", "reset-password"] {
        refused(
            &cli(
                &db,
                &["user", command, "--email", "nobody@example.com"],
                "Str0ng-Passw0rd\n",
            ),
            "No user has this e-mail address. [user.not_found]",
        );
    }
    // Only the first user exists.
    let list = ok(&cli(&db, &["user", "list"], ""));
    assert_eq!(list.lines().count(), 2, "{list}");
    // Two databases at once is a mistake, said so.
    let both = Command::new(env!("CARGO_BIN_EXE_profile-server"))
        .args([
            "--database",
            "a.sqlite3",
            "--database-url",
            "postgres://x/y",
            "user",
            "list",
        ])
        .output()
        .unwrap();
    refused(&both, "not both");
}

async fn channel_commands_extend_the_catalog(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, definition: serde_json::Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, definition.to_string()).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let list = ok(&cli(&db, &["channel", "list"], ""));
    assert!(
        list.contains("telegram") && list.contains("built-in"),
        "{list}"
    );
    let version = |list: &str| list.lines().next().unwrap().to_owned();
    let before = version(&list);

    let webhook = write(
        "webhook.json",
        serde_json::json!({
            "id": "webhook",
            "name": {"en": "Team webhook", "ru": "Вебхук команды"},
            "kind": "url",
            "instructions": {"en": ["Ask your team lead for the URL."], "ru": ["Спросите адрес у руководителя."]}
        }),
    );
    let added = ok(&cli(&db, &["channel", "add", "--file", &webhook], ""));
    assert!(added.contains("added channel webhook"), "{added}");
    let list = ok(&cli(&db, &["channel", "list"], ""));
    assert_ne!(version(&list), before, "the catalog's version moved");
    let line = list.lines().find(|l| l.starts_with("webhook")).unwrap();
    assert!(line.contains("url") && line.ends_with("added"), "{line}");

    refused(
        &cli(&db, &["channel", "add", "--file", &webhook], ""),
        "[channel.exists]",
    );
    let bad_kind = write(
        "pigeon.json",
        serde_json::json!({"id": "pigeon", "name": {"en": "Pigeon"}, "kind": "carrier_pigeon"}),
    );
    refused(
        &cli(&db, &["channel", "add", "--file", &bad_kind], ""),
        "[channel.invalid]",
    );
    let not_json = write("broken.json", serde_json::json!("not a channel"));
    refused(
        &cli(&db, &["channel", "add", "--file", &not_json], ""),
        "cannot read the channel definition",
    );
    refused(
        &cli(&db, &["channel", "remove", "email"], ""),
        "[channel.built_in]",
    );
    refused(
        &cli(&db, &["channel", "remove", "nothing"], ""),
        "[channel.not_found]",
    );
    ok(&cli(&db, &["channel", "remove", "webhook"], ""));
    let list = ok(&cli(&db, &["channel", "list"], ""));
    assert!(!list.contains("webhook"), "{list}");
}
