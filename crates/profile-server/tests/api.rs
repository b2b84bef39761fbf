//! The public API opened by personal tokens, through the real router on each backend: the
//! full matrix of tokens × methods × routes (and the endpoints tokens must never reach),
//! changes made through the API reaching devices, last use, the rate limit, and the
//! OpenAPI document matching the routes.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::api_client::{call, device, Device, PASSWORD};
use common::{Backend, TestServer, START_MS};
use profile_domain::sync::{PullResponse, PROTOCOL};
use profile_domain::token::ApiToken;
use profile_server::config::Limits;
use rand::rngs::OsRng;
use serde_json::{json, Value};
use uuid::Uuid;

const DAY: i64 = 86_400_000;

both_backends!(
    every_token_method_and_route_gets_its_expected_answer,
    a_change_through_the_api_follows_the_rules_and_reaches_devices,
    last_use_is_noted_at_most_once_a_minute_and_reaches_devices,
    each_token_has_its_own_rate_limit,
    a_token_s_hash_belongs_to_one_user_only,
    another_users_token_id_cannot_be_taken_to_revive_it,
);

async fn anna(backend: Backend, limits: Limits) -> (TestServer, Device) {
    let server = TestServer::with_limits(backend, limits).await;
    server
        .db
        .add_user("anna@example.com", "Anna", PASSWORD)
        .await;
    let anna = device(&server, "anna@example.com").await;
    (server, anna)
}

/// Every kind of token the matrix tries.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Read,
    Write,
    Revoked,
    Expired,
    Unknown,
    Malformed,
    BadChecksum,
    DisabledUser,
    Missing,
}

/// The answer a kind of token must get from an API route for a method: `Ok(status)` for the
/// route's own answer, `Err((status, code))` for a refusal.
fn expected_api(
    kind: Kind,
    method: &Method,
    takes: &[Method],
) -> Result<StatusCode, (StatusCode, &'static str)> {
    let unauthorized = |code| Err((StatusCode::UNAUTHORIZED, code));
    let reads = matches!(*method, Method::GET | Method::HEAD);
    match kind {
        Kind::Missing => unauthorized("auth.required"),
        Kind::Malformed | Kind::BadChecksum => unauthorized("token.malformed"),
        Kind::Unknown | Kind::DisabledUser => unauthorized("token.invalid"),
        Kind::Revoked => unauthorized("token.revoked"),
        Kind::Expired => unauthorized("token.expired"),
        Kind::Read if !reads => Err((StatusCode::FORBIDDEN, "token.scope_insufficient")),
        Kind::Read | Kind::Write => {
            let taken =
                takes.contains(method) || (*method == Method::HEAD && takes.contains(&Method::GET));
            if taken {
                Ok(StatusCode::OK)
            } else {
                Err((StatusCode::METHOD_NOT_ALLOWED, "request.method_not_allowed"))
            }
        }
    }
}

async fn every_token_method_and_route_gets_its_expected_answer(backend: Backend) {
    let (server, mut anna) = anna(
        backend,
        Limits {
            api_requests_per_second: 1000,
            ..Limits::default()
        },
    )
    .await;
    let (read, _) = anna.issue(&server, "read", None).await;
    let (write, _) = anna
        .issue(&server, "write", Some(START_MS + 30 * DAY))
        .await;
    let (revoked, revoked_id) = anna.issue(&server, "write", None).await;
    let result = anna
        .push(&server, "token.revoke", json!({"token_id": revoked_id}))
        .await;
    assert_eq!(result["status"], "applied");
    let (expired, _) = anna.issue(&server, "write", Some(START_MS + DAY)).await;
    server
        .db
        .add_user("boris@example.com", "Boris", PASSWORD)
        .await;
    let mut boris = device(&server, "boris@example.com").await;
    let (disabled, _) = boris.issue(&server, "write", None).await;
    server
        .db
        .store
        .disable_user("boris@example.com", START_MS + 1)
        .await
        .unwrap();
    // A day and a minute later: the expired token's day has passed; the others stand.
    server.clock.advance(DAY + 60_000);
    let unknown = ApiToken::generate(&mut OsRng).expose().to_owned();
    let mut bad_checksum = read.clone();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == 'A' { 'B' } else { 'A' });
    let tokens: Vec<(Kind, Option<String>)> = vec![
        (Kind::Read, Some(read)),
        (Kind::Write, Some(write)),
        (Kind::Revoked, Some(revoked)),
        (Kind::Expired, Some(expired)),
        (Kind::Unknown, Some(unknown)),
        (Kind::Malformed, Some("acp_short".into())),
        (Kind::BadChecksum, Some(bad_checksum)),
        (Kind::DisabledUser, Some(disabled)),
        (Kind::Missing, None),
    ];
    let methods = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PATCH,
        Method::PUT,
        Method::DELETE,
    ];
    let api_routes: [(&str, &[Method]); 3] = [
        ("/api/v1/profile", &[Method::GET, Method::PATCH]),
        ("/api/v1/notification-contacts", &[Method::GET]),
        ("/api/v1/tokens/self", &[Method::GET]),
    ];
    let patch = json!({"name": "Anna Matrix"});
    let mut checked = 0;
    for (kind, token) in &tokens {
        for (path, takes) in api_routes {
            for method in &methods {
                let answer = call(
                    &server,
                    method.clone(),
                    path,
                    token.as_deref(),
                    patch.clone(),
                )
                .await;
                let context = format!("{kind:?} {method} {path}: {answer:?}");
                match expected_api(*kind, method, takes) {
                    Ok(status) => assert_eq!(answer.status, status, "{context}"),
                    Err((status, code)) => answer.assert_refused(status, code),
                }
                if answer.status == StatusCode::UNAUTHORIZED {
                    let challenge = answer
                        .headers
                        .get(header::WWW_AUTHENTICATE)
                        .expect(&context);
                    let challenge = challenge.to_str().unwrap();
                    assert!(challenge.starts_with("Bearer realm="), "{context}");
                    // Without credentials the challenge names no error (RFC 6750 §3.1).
                    let names_error = challenge.contains("error=");
                    assert_eq!(names_error, *kind != Kind::Missing, "{context}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 9 * 3 * 6);
    // What each good token reads.
    let read = tokens[0].1.as_deref();
    let me = call(
        &server,
        Method::GET,
        "/api/v1/tokens/self",
        read,
        Value::Null,
    )
    .await;
    assert_eq!(me.body["scope"], "read");
    assert_eq!(me.body["description"], "read script");
    assert!(me.body["prefix"].as_str().unwrap().starts_with("acp_"));
    assert_eq!(me.body.get("sha256"), None);
    let contacts = call(
        &server,
        Method::GET,
        "/api/v1/notification-contacts",
        read,
        Value::Null,
    )
    .await;
    assert_eq!(contacts.body, json!([]));
    let profile = call(&server, Method::GET, "/api/v1/profile", read, Value::Null).await;
    assert_eq!(profile.body["name"], "Anna Matrix");
    assert_eq!(profile.body["email"], "anna@example.com");

    // The endpoints a session secret opens never open to a personal token, whatever kind.
    let protected: [(&str, Method); 6] = [
        ("/v1/sync/push", Method::POST),
        ("/v1/sync/pull", Method::POST),
        ("/v1/auth/sign-out", Method::POST),
        ("/v1/auth/password", Method::POST),
        ("/v1/auth/sign-in", Method::POST),
        (
            "/v1/blobs/0000000000000000000000000000000000000000000000000000000000000000",
            Method::GET,
        ),
    ];
    for (kind, token) in &tokens {
        for (path, takes) in &protected {
            for method in &methods {
                let body =
                    json!({"protocol": PROTOCOL, "mutations": [], "cookie": 0, "acked_seq": 0});
                let answer = call(&server, method.clone(), path, token.as_deref(), body).await;
                let context = format!("{kind:?} {method} {path}: {answer:?}");
                let own = method == takes || (*method == Method::HEAD && *takes == Method::GET);
                let expected = match (own, *path) {
                    (false, _) => StatusCode::METHOD_NOT_ALLOWED,
                    // Sign-in takes no bearer at all: a token is no e-mail and password.
                    (true, "/v1/auth/sign-in") => StatusCode::BAD_REQUEST,
                    (true, _) => StatusCode::UNAUTHORIZED,
                };
                assert_eq!(answer.status, expected, "{context}");
                assert!(!answer.status.is_success(), "{context}");
            }
        }
    }
}

async fn a_change_through_the_api_follows_the_rules_and_reaches_devices(backend: Backend) {
    let (server, mut anna) = anna(backend, Limits::default()).await;
    let (write, write_id) = anna.issue(&server, "write", None).await;
    let before = anna.pull(&server).await.cookie;
    let patch = |body: Value| {
        call(
            &server,
            Method::PATCH,
            "/api/v1/profile",
            Some(&write),
            body,
        )
    };
    let changed = patch(json!({"name": "  Anna K. ", "phone": "+7 912 345-67-89",
                               "time_zone": "Europe/Kiev", "language": "ru"}))
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(changed.body["name"], "Anna K.");
    assert_eq!(changed.body["phone"], "+79123456789");
    assert_eq!(changed.body["time_zone"], "Europe/Kyiv");
    assert_eq!(changed.body["language"], "ru");
    // The device sees it at its next pull, as a change of the user's state.
    let pulled = anna.pull(&server).await;
    assert!(pulled.cookie > before);
    let profile = pulled.snapshot.unwrap().profile;
    assert_eq!(
        (profile.name.as_str(), profile.phone.as_deref()),
        ("Anna K.", Some("+79123456789"))
    );
    // Refusals name the field and leave everything as it was.
    let cookie = pulled.cookie;
    patch(json!({"phone": "12345"})).await.assert_refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "profile.phone_needs_country_code",
    );
    let bad = patch(json!({"name": "x".repeat(101)})).await;
    bad.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "profile.name_too_long");
    assert_eq!(
        (
            bad.body["field"].as_str(),
            bad.body["params"]["max"].as_i64()
        ),
        (Some("name"), Some(100))
    );
    let email = patch(json!({"email": "eve@example.com"})).await;
    email.assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
    assert_eq!(email.body["field"], "email");
    patch(json!({"language": "de"})).await.assert_refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "profile.language_unsupported",
    );
    patch(json!("name"))
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
    let plain = Request::builder()
        .method(Method::PATCH)
        .uri("/api/v1/profile")
        .header(header::AUTHORIZATION, format!("Bearer {write}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("name=Eve"))
        .unwrap();
    server.send(plain).await.assert_refused(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "request.unsupported_media_type",
    );
    // An empty change writes nothing.
    let same = patch(json!({})).await;
    assert_eq!(
        (same.status, same.body["name"].as_str()),
        (StatusCode::OK, Some("Anna K."))
    );
    assert_eq!(anna.pull(&server).await.cookie, cookie);
    // A device's stale change over a field the API wrote is a conflict the server keeps.
    let stale = anna
        .push(
            &server,
            "profile.set",
            json!({"profile_id": anna.user_id, "name": "Anna (laptop)"}),
        )
        .await;
    assert_eq!(stale["status"], "applied");
    let conflicts = anna.pull(&server).await.conflicts;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].overwritten, json!("Anna K."));
    assert_eq!(conflicts[0].overwritten_by, Some(write_id));
}

async fn last_use_is_noted_at_most_once_a_minute_and_reaches_devices(backend: Backend) {
    let (server, mut anna) = anna(backend, Limits::default()).await;
    let (read, id) = anna.issue(&server, "read", None).await;
    let token_of = |pulled: PullResponse| {
        pulled
            .snapshot
            .unwrap()
            .tokens
            .into_iter()
            .find(|t| t.id == id)
            .unwrap()
    };
    assert_eq!(token_of(anna.pull(&server).await).last_used_at, None);
    server.clock.advance(1_000);
    call(
        &server,
        Method::GET,
        "/api/v1/profile",
        Some(&read),
        Value::Null,
    )
    .await;
    let first = anna.pull(&server).await;
    let cookie = first.cookie;
    let noted = token_of(first);
    assert_eq!(noted.last_used_at, Some(START_MS + 1_000));
    assert_eq!(noted.last_used_address.as_deref(), Some("198.51.100.7"));
    // Within the minute: no write at all, so the user's version stays.
    for _ in 0..5 {
        server.clock.advance(10_000);
        call(
            &server,
            Method::GET,
            "/api/v1/tokens/self",
            Some(&read),
            Value::Null,
        )
        .await;
    }
    assert_eq!(anna.pull(&server).await.cookie, cookie);
    server.clock.advance(10_000);
    call(
        &server,
        Method::GET,
        "/api/v1/profile",
        Some(&read),
        Value::Null,
    )
    .await;
    assert_eq!(
        token_of(anna.pull(&server).await).last_used_at,
        Some(START_MS + 61_000)
    );
    // A refused request is no use.
    server.clock.advance(120_000);
    call(
        &server,
        Method::PATCH,
        "/api/v1/profile",
        Some(&read),
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(
        token_of(anna.pull(&server).await).last_used_at,
        Some(START_MS + 61_000)
    );
}

async fn each_token_has_its_own_rate_limit(backend: Backend) {
    let (server, mut anna) = anna(
        backend,
        Limits {
            api_requests_per_second: 2,
            ..Limits::default()
        },
    )
    .await;
    let (first, _) = anna.issue(&server, "read", None).await;
    let (second, _) = anna.issue(&server, "read", None).await;
    // Bursts of five seconds' worth: 10 at once, then 429 with a wait.
    for n in 0..10 {
        let answer = call(
            &server,
            Method::GET,
            "/api/v1/profile",
            Some(&first),
            Value::Null,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "request {n}: {answer:?}");
    }
    let limited = call(
        &server,
        Method::GET,
        "/api/v1/profile",
        Some(&first),
        Value::Null,
    )
    .await;
    limited.assert_refused(StatusCode::TOO_MANY_REQUESTS, "request.rate_limited");
    assert_eq!(limited.headers.get(header::RETRY_AFTER).unwrap(), "1");
    assert_eq!(limited.body["params"]["wait_seconds"], 1);
    let other = call(
        &server,
        Method::GET,
        "/api/v1/profile",
        Some(&second),
        Value::Null,
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
}

async fn another_users_token_id_cannot_be_taken_to_revive_it(backend: Backend) {
    let (server, mut anna) = anna(backend, Limits::default()).await;
    let (text, id) = anna.issue(&server, "write", None).await;
    let revoked = anna
        .push(&server, "token.revoke", json!({"token_id": id}))
        .await;
    assert_eq!(revoked["status"], "applied");
    // Eve, who holds Anna's stolen token and read its id, issues "her own" with that id.
    server.db.add_user("eve@example.com", "Eve", PASSWORD).await;
    let mut eve = device(&server, "eve@example.com").await;
    let other = ApiToken::generate(&mut OsRng);
    let taken = eve
        .push(
            &server,
            "token.create",
            json!({"token_id": id, "sha256": other.sha256_hex(),
                   "prefix": other.display_prefix(), "scope": "write"}),
        )
        .await;
    assert_eq!(
        (taken["status"].as_str(), taken["code"].as_str()),
        (Some("rejected"), Some("request.invalid"))
    );
    let stolen = call(
        &server,
        Method::GET,
        "/api/v1/profile",
        Some(&text),
        Value::Null,
    )
    .await;
    stolen.assert_refused(StatusCode::UNAUTHORIZED, "token.revoked");
    let tokens = anna.pull(&server).await.snapshot.unwrap().tokens;
    assert!(tokens[0].revoked_at.is_some());
}

async fn a_token_s_hash_belongs_to_one_user_only(backend: Backend) {
    let (server, mut anna) = anna(backend, Limits::default()).await;
    let token = ApiToken::generate(&mut OsRng);
    let args = |id: Uuid| {
        json!({"token_id": id, "sha256": token.sha256_hex(), "prefix": token.display_prefix(),
               "scope": "write"})
    };
    let result = anna
        .push(&server, "token.create", args(Uuid::now_v7()))
        .await;
    assert_eq!(result["status"], "applied");
    server.db.add_user("eve@example.com", "Eve", PASSWORD).await;
    let mut eve = device(&server, "eve@example.com").await;
    let taken = eve
        .push(&server, "token.create", args(Uuid::now_v7()))
        .await;
    assert_eq!(
        (taken["status"].as_str(), taken["code"].as_str()),
        (Some("rejected"), Some("request.invalid"))
    );
    // The token is still Anna's, and Eve's next change applies.
    let me = call(
        &server,
        Method::GET,
        "/api/v1/profile",
        Some(token.expose()),
        Value::Null,
    )
    .await;
    assert_eq!(me.body["email"], "anna@example.com");
    let next = eve
        .push(
            &server,
            "profile.set",
            json!({"profile_id": eve.user_id, "name": "Eve"}),
        )
        .await;
    assert_eq!(next["status"], "applied");
}

#[tokio::test]
async fn the_openapi_document_is_3_1_open_to_all_and_lists_exactly_the_routes() {
    let server = TestServer::new(Backend::Sqlite).await;
    let answer = call(
        &server,
        Method::GET,
        "/api/v1/openapi.json",
        None,
        Value::Null,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.body;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut operations: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{m} {path}"))
        })
        .collect();
    operations.sort();
    assert_eq!(
        operations,
        [
            "get /api/v1/mailing-lists",
            "get /api/v1/notification-contacts",
            "get /api/v1/profile",
            "get /api/v1/tokens/self",
            "patch /api/v1/profile",
        ]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["personal_token"]["scheme"],
        "bearer"
    );
    for schema in [
        "Profile",
        "ProfilePatch",
        "TokenSelf",
        "NotificationContact",
        "MailingList",
        "ApiError",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    // Every operation the document lists is served: with a write token none is 404 or 405.
    let db_server = TestServer::new(Backend::Sqlite).await;
    db_server
        .db
        .add_user("anna@example.com", "Anna", PASSWORD)
        .await;
    // An administrator: the mailing lists are theirs only.
    db_server
        .db
        .store
        .grant_admin("anna@example.com", START_MS)
        .await
        .unwrap();
    let mut anna = device(&db_server, "anna@example.com").await;
    let (write, _) = anna.issue(&db_server, "write", None).await;
    for operation in &operations {
        let (method, path) = operation.split_once(' ').unwrap();
        let path = if path.ends_with("mailing-lists") {
            format!("{path}?channel=email&users=anna@example.com")
        } else {
            path.to_owned()
        };
        let path = path.as_str();
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let answer = call(
            &db_server,
            method,
            path,
            Some(&write),
            json!({"name": "Anna"}),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{operation}: {answer:?}");
    }
    // The document served is the one the code generates.
    let generated = serde_json::to_value(profile_server::http::api::document()).unwrap();
    assert_eq!(doc, generated);
}
