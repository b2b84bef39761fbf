//! Signing in and out, the throttle, password changes and session authentication, through
//! the real router on each backend.

mod common;

use axum::http::{header, StatusCode};
use common::{Backend, TestServer};
use profile_server::secret::{sha256_hex, SessionSecret};
use serde_json::json;

const EMAIL: &str = "anna@example.com";
const PASSWORD: &str = "Str0ng-Passw0rd";
const NEW_PASSWORD: &str = "Nebula-Kettle-42";

both_backends!(
    health_reports_the_database,
    sign_in_starts_a_session_and_keeps_only_the_secret_hash,
    wrong_unknown_and_disabled_get_the_same_answer,
    wrong_passwords_are_slowed_per_account,
    wrong_passwords_are_slowed_per_address,
    the_client_address_is_the_peer_unless_a_proxy_is_trusted,
    a_signed_out_secret_is_refused_as_revoked,
    a_password_change_ends_the_other_sessions_and_keeps_the_callers,
    a_password_change_checks_the_current_password_first,
    last_active_is_written_at_most_once_a_minute,
);

async fn server_with_anna(backend: Backend) -> (TestServer, String) {
    let server = TestServer::new(backend).await;
    let id = server
        .db
        .add_user("Anna@Example.com", "Anna", PASSWORD)
        .await;
    (server, id)
}

async fn health_reports_the_database(backend: Backend) {
    let server = TestServer::new(backend).await;
    let request = axum::http::Request::get("/health")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = server.send(request).await;
    let database = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({ "status": "ok", "database": database }));
}

async fn sign_in_starts_a_session_and_keeps_only_the_secret_hash(backend: Backend) {
    let (server, user_id) = server_with_anna(backend).await;
    let mut body = common::sign_in_body(" ANNA@example.COM ", PASSWORD);
    // A bidi override would make the device name read differently on the Sessions tab.
    body["device"]["name"] = json!("\u{202E}potpal\u{200B} s'annA ");
    let answer = server
        .post("/v1/auth/sign-in", "198.51.100.7", None, &body)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let secret = answer.body["secret"].as_str().unwrap();
    let parsed = SessionSecret::parse(secret).expect("a well-formed secret");
    assert_eq!(answer.body["user"]["id"], user_id.as_str());
    assert_eq!(answer.body["user"]["email"], "Anna@Example.com");
    assert_eq!(answer.body["user"]["is_admin"], false);
    assert!(answer.body["user"].get("password_hash").is_none());

    let auth = server
        .db
        .store
        .session_by_secret_hash(&parsed.hash())
        .await
        .unwrap()
        .expect("stored by the secret's hash");
    assert_eq!(auth.id, answer.body["session_id"].as_str().unwrap());
    let sessions = server.db.store.sessions_of(&user_id).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(session.device_name, "potpal s'annA");
    assert_eq!(session.os, "Linux 6.1");
    assert_eq!(session.address.as_deref(), Some("198.51.100.7"));
    assert_eq!(session.started_at, common::START_MS);
    assert_eq!(session.ended_at, None);
    assert_eq!(session.last_seq, 0);

    // Two sign-ins, two different secrets.
    let again = server.signed_in(EMAIL, PASSWORD).await;
    assert_ne!(again, secret);
}

async fn wrong_unknown_and_disabled_get_the_same_answer(backend: Backend) {
    let (server, _) = server_with_anna(backend).await;
    server.db.add_user("bob@example.com", "Bob", PASSWORD).await;
    server
        .db
        .store
        .disable_user("bob@example.com", common::START_MS)
        .await
        .unwrap();
    let wrong = server.sign_in(EMAIL, "Wrong-Passw0rd", "192.0.2.10").await;
    let unknown = server
        .sign_in("nobody@example.com", PASSWORD, "192.0.2.11")
        .await;
    let disabled = server
        .sign_in("bob@example.com", PASSWORD, "192.0.2.12")
        .await;
    wrong.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    for other in [&unknown, &disabled] {
        assert_eq!(other.status, wrong.status);
        assert_eq!(other.body, wrong.body);
        assert_eq!(other.headers.get(header::RETRY_AFTER), None);
    }
}

async fn wrong_passwords_are_slowed_per_account(backend: Backend) {
    let (server, _) = server_with_anna(backend).await;
    // From a new address each time: only the account's count can slow them down.
    for i in 0..5 {
        let from = format!("192.0.2.{}", 20 + i);
        let answer = server.sign_in(EMAIL, "Wrong-Passw0rd", &from).await;
        answer.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    }
    // The sixth try waits a second, even with the right password and the e-mail in capitals.
    let early = server
        .sign_in("ANNA@EXAMPLE.COM", PASSWORD, "192.0.2.30")
        .await;
    early.assert_refused(StatusCode::TOO_MANY_REQUESTS, "auth.throttled");
    assert_eq!(early.headers.get(header::RETRY_AFTER).unwrap(), "1");
    assert_eq!(early.body["params"]["wait_seconds"], 1);

    server.clock.advance(1_000);
    let sixth = server.sign_in(EMAIL, "Wrong-Passw0rd", "192.0.2.31").await;
    sixth.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    // Then twice as long.
    let early = server.sign_in(EMAIL, PASSWORD, "192.0.2.32").await;
    early.assert_refused(StatusCode::TOO_MANY_REQUESTS, "auth.throttled");
    assert_eq!(early.headers.get(header::RETRY_AFTER).unwrap(), "2");
    server.clock.advance(1_999);
    let still = server.sign_in(EMAIL, PASSWORD, "192.0.2.33").await;
    still.assert_refused(StatusCode::TOO_MANY_REQUESTS, "auth.throttled");
    server.clock.advance(1);
    assert_eq!(
        server.sign_in(EMAIL, PASSWORD, "192.0.2.34").await.status,
        StatusCode::OK
    );
    // A right password forgets the account's count.
    for _ in 0..5 {
        let answer = server.sign_in(EMAIL, "Wrong-Passw0rd", "192.0.2.40").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        server.clock.advance(1);
    }
    // An hour without failures forgets it too.
    server
        .clock
        .advance(profile_server::throttle::FORGET_AFTER_MS);
    assert_eq!(
        server.sign_in(EMAIL, PASSWORD, "192.0.2.41").await.status,
        StatusCode::OK
    );
}

async fn wrong_passwords_are_slowed_per_address(backend: Backend) {
    let (server, _) = server_with_anna(backend).await;
    // One address guessing at five different accounts, known or not.
    for i in 0..5 {
        let email = format!("guess{i}@example.com");
        let answer = server
            .sign_in(&email, "Wrong-Passw0rd", "203.0.113.9")
            .await;
        answer.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    }
    let early = server.sign_in(EMAIL, PASSWORD, "203.0.113.9").await;
    early.assert_refused(StatusCode::TOO_MANY_REQUESTS, "auth.throttled");
    assert_eq!(early.headers.get(header::RETRY_AFTER).unwrap(), "1");
    // Another address is not slowed, and the account itself has no failures.
    assert_eq!(
        server.sign_in(EMAIL, PASSWORD, "203.0.113.10").await.status,
        StatusCode::OK
    );
    // A right password from the guessing address does not clear its count.
    server.clock.advance(1_000);
    assert_eq!(
        server.sign_in(EMAIL, PASSWORD, "203.0.113.9").await.status,
        StatusCode::OK
    );
    let wrong = server
        .sign_in("x@example.com", "Wrong-Passw0rd", "203.0.113.9")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let early = server.sign_in(EMAIL, PASSWORD, "203.0.113.9").await;
    early.assert_refused(StatusCode::TOO_MANY_REQUESTS, "auth.throttled");
    assert_eq!(early.headers.get(header::RETRY_AFTER).unwrap(), "2");
}

async fn the_client_address_is_the_peer_unless_a_proxy_is_trusted(backend: Backend) {
    let peer = "203.0.113.7:5555".parse().unwrap();
    let server = TestServer::with(backend, false, Some(peer)).await;
    let user_id = server.db.add_user(EMAIL, "Anna", PASSWORD).await;
    // A client cannot choose the address it is counted under by sending the header itself.
    let answer = server.sign_in(EMAIL, PASSWORD, "192.0.2.99").await;
    assert_eq!(answer.status, StatusCode::OK);
    let sessions = server.db.store.sessions_of(&user_id).await.unwrap();
    assert_eq!(sessions[0].address.as_deref(), Some("203.0.113.7"));

    // Behind a trusted proxy, the entry the proxy appended last counts.
    let server = TestServer::with(backend, true, Some(peer)).await;
    let user_id = server.db.add_user(EMAIL, "Anna", PASSWORD).await;
    let answer = server
        .sign_in(EMAIL, PASSWORD, "10.9.9.9, 198.51.100.23")
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let sessions = server.db.store.sessions_of(&user_id).await.unwrap();
    assert_eq!(sessions[0].address.as_deref(), Some("198.51.100.23"));
}

async fn a_signed_out_secret_is_refused_as_revoked(backend: Backend) {
    let (server, user_id) = server_with_anna(backend).await;
    let secret = server.signed_in(EMAIL, PASSWORD).await;
    let other = server.signed_in(EMAIL, PASSWORD).await;
    let answer = server.sign_out(&secret).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{answer:?}");

    // Replaying the secret: on every endpoint that takes one.
    server
        .sign_out(&secret)
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    server
        .change_password(&secret, PASSWORD, NEW_PASSWORD)
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    // The user's other session is untouched.
    let sessions = server.db.store.sessions_of(&user_id).await.unwrap();
    let ended: Vec<_> = sessions.iter().filter(|s| s.ended_at.is_some()).collect();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].end_reason.as_deref(), Some("signed_out"));
    assert_eq!(server.sign_out(&other).await.status, StatusCode::NO_CONTENT);
}

async fn a_password_change_ends_the_other_sessions_and_keeps_the_callers(backend: Backend) {
    let (server, user_id) = server_with_anna(backend).await;
    let caller = server.signed_in(EMAIL, PASSWORD).await;
    let laptop = server.signed_in(EMAIL, PASSWORD).await;
    let phone = server.signed_in(EMAIL, PASSWORD).await;
    server.clock.advance(5_000);
    let answer = server
        .change_password(&caller, PASSWORD, NEW_PASSWORD)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body, json!({ "password_version": 2 }));

    for other in [&laptop, &phone] {
        server
            .sign_out(other)
            .await
            .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    }
    let sessions = server.db.store.sessions_of(&user_id).await.unwrap();
    let reasons: Vec<_> = sessions
        .iter()
        .map(|s| (s.ended_at, s.end_reason.as_deref()))
        .filter(|(at, _)| at.is_some())
        .collect();
    let changed_at = Some(common::START_MS + 5_000);
    assert_eq!(
        reasons,
        vec![
            (changed_at, Some("password_changed")),
            (changed_at, Some("password_changed"))
        ]
    );
    // The old password no longer signs in; the new one does.
    let old = server.sign_in(EMAIL, PASSWORD, "192.0.2.50").await;
    old.assert_refused(StatusCode::UNAUTHORIZED, "auth.invalid_credentials");
    assert_eq!(
        server
            .sign_in(EMAIL, NEW_PASSWORD, "192.0.2.51")
            .await
            .status,
        StatusCode::OK
    );
    // The caller's session still works.
    assert_eq!(
        server.sign_out(&caller).await.status,
        StatusCode::NO_CONTENT
    );
    let user = server.db.store.user_by_id(&user_id).await.unwrap().unwrap();
    assert_eq!(user.password_version, 2);
    assert!(user.password_hash.starts_with("$argon2id$"));
}

async fn a_password_change_checks_the_current_password_first(backend: Backend) {
    let (server, _) = server_with_anna(backend).await;
    let secret = server.signed_in(EMAIL, PASSWORD).await;
    // A wrong current password is named, even when the new one is also bad.
    let wrong = server
        .change_password(&secret, "Wrong-Passw0rd", "abc")
        .await;
    wrong.assert_refused(StatusCode::FORBIDDEN, "password.current_wrong");
    assert_eq!(wrong.body["field"], "current");

    let short = server.change_password(&secret, PASSWORD, "aB1").await;
    short.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "password.too_short");
    assert_eq!(short.body["field"], "new");
    assert_eq!(short.body["params"]["min"], 6);
    let common = server.change_password(&secret, PASSWORD, "Password1").await;
    common.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "password.too_common");
    let same = server.change_password(&secret, PASSWORD, PASSWORD).await;
    same.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "password.same_as_current");
    // Nothing changed meanwhile.
    assert_eq!(
        server.sign_in(EMAIL, PASSWORD, "192.0.2.60").await.status,
        StatusCode::OK
    );

    // Wrong current passwords are throttled like sign-ins.
    for _ in 0..4 {
        let answer = server
            .change_password(&secret, "Wrong-Passw0rd", NEW_PASSWORD)
            .await;
        answer.assert_refused(StatusCode::FORBIDDEN, "password.current_wrong");
    }
    let early = server
        .change_password(&secret, PASSWORD, NEW_PASSWORD)
        .await;
    early.assert_refused(StatusCode::TOO_MANY_REQUESTS, "auth.throttled");
    server.clock.advance(1_000);
    let answer = server
        .change_password(&secret, PASSWORD, NEW_PASSWORD)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
}

async fn last_active_is_written_at_most_once_a_minute(backend: Backend) {
    let (server, user_id) = server_with_anna(backend).await;
    let secret = server.signed_in(EMAIL, PASSWORD).await;
    let last_active =
        || async { server.db.store.sessions_of(&user_id).await.unwrap()[0].last_active_at };
    // An authenticated request whose body is then refused still counts as activity.
    let poke = || async {
        let answer = server
            .post(
                "/v1/auth/sign-out",
                "192.0.2.1",
                Some(&secret),
                &json!({ "protocol": 1, "poke": true }),
            )
            .await;
        answer.assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
    };
    server.clock.advance(59_999);
    poke().await;
    assert_eq!(last_active().await, common::START_MS);
    server.clock.advance(1);
    poke().await;
    assert_eq!(last_active().await, common::START_MS + 60_000);
    server.clock.advance(30_000);
    poke().await;
    assert_eq!(last_active().await, common::START_MS + 60_000);
    // The session's hash is what is stored, never the secret.
    assert_ne!(sha256_hex(&secret), secret);
}
