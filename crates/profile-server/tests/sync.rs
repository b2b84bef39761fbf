//! Sync push and pull, and avatar blobs, through the real router on each backend: exactly
//! once, in order, gaps, rejections, conflicts, revoked sessions, concurrency and hostile
//! input.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{Answer, Backend, TestDb, TestServer};
use http_body_util::BodyExt;
use profile_domain::sync::{PullResponse, PushRequest, PushResponse, PushedMutation, PROTOCOL};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;
use uuid::Uuid;

const PASSWORD: &str = "Str0ng-Passw0rd";
const ADDRESS: &str = "192.0.2.1";

both_backends!(
    pushes_apply_in_order_and_move_the_version_by_one_each,
    a_resent_batch_gets_its_stored_results_and_applies_nothing_again,
    a_gap_stops_the_batch,
    a_rejection_moves_last_seq_and_a_pull_returns_it,
    a_lost_response_does_not_apply_twice,
    a_pull_sends_the_snapshot_only_when_the_cookie_is_old,
    a_session_ended_from_another_is_revoked_and_its_pushes_never_apply,
    a_device_may_not_create_profiles_passwords_or_sessions,
    a_stale_name_overwrites_and_is_recorded_as_a_conflict,
    a_conflict_stored_without_its_owner_is_pulled_without_one,
    an_avatar_is_stored_and_served_to_its_owner_only,
    an_avatar_claiming_a_huge_size_is_rejected_as_corrupt,
    concurrent_pushes_of_two_sessions_keep_versions_contiguous,
    hostile_pushes_get_coded_answers,
);

/// A signed-in device.
#[derive(Debug, Clone)]
struct Device {
    secret: String,
    session_id: String,
    user_id: String,
}

async fn device(server: &TestServer, email: &str) -> Device {
    let answer = server.sign_in(email, PASSWORD, ADDRESS).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    Device {
        secret: answer.body["secret"].as_str().unwrap().to_owned(),
        session_id: answer.body["session_id"].as_str().unwrap().to_owned(),
        user_id: answer.body["user"]["id"].as_str().unwrap().to_owned(),
    }
}

/// A server with Anna and one signed-in device of hers.
async fn anna(backend: Backend) -> (TestServer, Device) {
    let server = TestServer::new(backend).await;
    server
        .db
        .add_user("anna@example.com", "Anna", PASSWORD)
        .await;
    let device = device(&server, "anna@example.com").await;
    (server, device)
}

fn mutation(seq: i64, name: &str, args: Value, cookie: i64) -> PushedMutation {
    PushedMutation {
        seq,
        id: Uuid::now_v7(),
        name: name.into(),
        args,
        cookie,
    }
}

fn set_name(device: &Device, seq: i64, name: &str, cookie: i64) -> PushedMutation {
    mutation(
        seq,
        "profile.set",
        json!({ "profile_id": device.user_id, "name": name }),
        cookie,
    )
}

async fn push_raw(server: &TestServer, device: &Device, mutations: &[PushedMutation]) -> Answer {
    let body = PushRequest {
        protocol: PROTOCOL,
        mutations: mutations.to_vec(),
    };
    server
        .post(
            "/v1/sync/push",
            ADDRESS,
            Some(&device.secret),
            &serde_json::to_value(body).unwrap(),
        )
        .await
}

async fn push(server: &TestServer, device: &Device, mutations: &[PushedMutation]) -> PushResponse {
    let answer = push_raw(server, device, mutations).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    serde_json::from_value(answer.body).unwrap()
}

async fn pull_raw(server: &TestServer, device: &Device, cookie: i64, acked_seq: i64) -> Answer {
    let body = json!({ "protocol": PROTOCOL, "cookie": cookie, "acked_seq": acked_seq });
    server
        .post("/v1/sync/pull", ADDRESS, Some(&device.secret), &body)
        .await
}

async fn pull(server: &TestServer, device: &Device, cookie: i64, acked_seq: i64) -> PullResponse {
    let answer = pull_raw(server, device, cookie, acked_seq).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    serde_json::from_value(answer.body).unwrap()
}

/// The user's version (the cookie) as a pull reports it.
async fn version(server: &TestServer, device: &Device) -> i64 {
    pull(server, device, -1, i64::MAX).await.cookie
}

fn statuses(response: &PushResponse) -> Vec<(i64, &'static str, Option<String>)> {
    response
        .results
        .iter()
        .map(|r| {
            let status = match r.status {
                profile_domain::sync::MutationStatus::Applied => "applied",
                profile_domain::sync::MutationStatus::Rejected => "rejected",
            };
            (
                r.seq,
                status,
                r.code.as_ref().map(|c| c.as_str().to_owned()),
            )
        })
        .collect()
}

/// One number from the test's own connection to the database.
async fn scalar(db: &TestDb, sql: &str) -> i64 {
    if let Some(path) = &db.sqlite_path {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let value = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    } else {
        let pool = sqlx::PgPool::connect(db.postgres_url.as_deref().unwrap())
            .await
            .unwrap();
        let value = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    }
}

/// Runs one statement on the test's own connection to the database.
async fn execute(db: &TestDb, sql: &str) {
    if let Some(path) = &db.sqlite_path {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(db.postgres_url.as_deref().unwrap())
            .await
            .unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn pushes_apply_in_order_and_move_the_version_by_one_each(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let before = version(&server, &anna).await;
    let batch = vec![
        set_name(&anna, 1, "Anna B", before),
        mutation(
            2,
            "profile.set",
            json!({ "profile_id": anna.user_id, "organization": "Acure", "time_zone": "Europe/Berlin" }),
            before,
        ),
        set_name(&anna, 3, "Anna C", before),
    ];
    let response = push(&server, &anna, &batch).await;
    assert_eq!(response.last_seq, 3);
    assert_eq!(
        statuses(&response),
        vec![
            (1, "applied", None),
            (2, "applied", None),
            (3, "applied", None)
        ]
    );
    assert_eq!(version(&server, &anna).await, before + 3);
    let snapshot = pull(&server, &anna, before, 0).await.snapshot.unwrap();
    // The last name wins: they were applied in order.
    assert_eq!(snapshot.profile.name, "Anna C");
    assert_eq!(snapshot.profile.organization.as_deref(), Some("Acure"));
    assert_eq!(snapshot.profile.time_zone, "Europe/Berlin");
    let logged = scalar(
        &server.db,
        &format!(
            "SELECT COUNT(*) FROM mutation_log WHERE session_id = '{}' AND status = 'applied'",
            anna.session_id
        ),
    )
    .await;
    assert_eq!(logged, 3);
}

async fn a_resent_batch_gets_its_stored_results_and_applies_nothing_again(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let before = version(&server, &anna).await;
    let batch = vec![
        set_name(&anna, 1, "Anna B", before),
        set_name(&anna, 2, "", before), // rejected: a name is required
        set_name(&anna, 3, "Anna D", before),
    ];
    let first = push(&server, &anna, &batch).await;
    let after = version(&server, &anna).await;
    assert_eq!(after, before + 2);
    for _ in 0..3 {
        let again = push(&server, &anna, &batch).await;
        assert_eq!(again, first);
        assert_eq!(version(&server, &anna).await, after);
    }
    assert_eq!(
        statuses(&first),
        vec![
            (1, "applied", None),
            (2, "rejected", Some("profile.name_required".into())),
            (3, "applied", None)
        ]
    );
    let rows = scalar(
        &server.db,
        &format!(
            "SELECT COUNT(*) FROM mutation_log WHERE session_id = '{}'",
            anna.session_id
        ),
    )
    .await;
    assert_eq!(rows, 3);
}

async fn a_gap_stops_the_batch(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let before = version(&server, &anna).await;
    let response = push(
        &server,
        &anna,
        &[
            set_name(&anna, 1, "One", before),
            set_name(&anna, 3, "Three", before),
            set_name(&anna, 4, "Four", before),
        ],
    )
    .await;
    assert_eq!(response.last_seq, 1);
    assert_eq!(statuses(&response), vec![(1, "applied", None)]);
    // Starting past the next seq processes nothing.
    let response = push(&server, &anna, &[set_name(&anna, 5, "Five", before)]).await;
    assert_eq!(response.last_seq, 1);
    assert!(response.results.is_empty());
    let pulled = pull(&server, &anna, before, 0).await;
    assert_eq!(pulled.snapshot.unwrap().profile.name, "One");
    assert_eq!(pulled.cookie, before + 1);
}

async fn a_rejection_moves_last_seq_and_a_pull_returns_it(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let before = version(&server, &anna).await;
    let response = push(
        &server,
        &anna,
        &[
            mutation(1, "profile.teleport", json!({}), before),
            mutation(
                2,
                "profile.set",
                json!({ "profile_id": anna.user_id, "time_zone": "Mars/Olympus" }),
                before,
            ),
            set_name(&anna, 3, "Anna B", before),
        ],
    )
    .await;
    assert_eq!(response.last_seq, 3);
    let pulled = pull(&server, &anna, before, 0).await;
    assert_eq!(pulled.last_seq, 3);
    assert_eq!(pulled.cookie, before + 1);
    let codes: Vec<_> = pulled
        .results
        .iter()
        .map(|r| (r.seq, r.code.as_ref().map(|c| c.as_str().to_owned())))
        .collect();
    assert_eq!(
        codes,
        vec![
            (1, Some("request.invalid".into())),
            (2, Some("profile.time_zone_invalid".into())),
            (3, None)
        ]
    );
    // Acknowledged results are not sent again.
    let later = pull(&server, &anna, pulled.cookie, 2).await;
    assert_eq!(later.results.len(), 1);
    assert_eq!(later.results[0].seq, 3);
}

async fn a_lost_response_does_not_apply_twice(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let before = version(&server, &anna).await;
    let first = [set_name(&anna, 1, "Anna B", before)];
    // The answer is lost: the device resends, with one more mutation made meanwhile.
    let _ = push_raw(&server, &anna, &first).await;
    let mut resent = first.to_vec();
    resent.push(mutation(
        2,
        "profile.set",
        json!({ "profile_id": anna.user_id, "organization": "Acure" }),
        before,
    ));
    let response = push(&server, &anna, &resent).await;
    assert_eq!(
        statuses(&response),
        vec![(1, "applied", None), (2, "applied", None)]
    );
    assert_eq!(version(&server, &anna).await, before + 2);
}

async fn a_pull_sends_the_snapshot_only_when_the_cookie_is_old(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let first = pull(&server, &anna, 0, 0).await;
    let snapshot = first
        .snapshot
        .clone()
        .expect("a first pull gets everything");
    assert_eq!(snapshot.profile.name, "Anna");
    assert_eq!(snapshot.profile.email.as_deref(), Some("anna@example.com"));
    assert_eq!(snapshot.sessions.len(), 1);
    assert_eq!(snapshot.sessions[0].id.to_string(), anna.session_id);
    assert_eq!(snapshot.sessions[0].address.as_deref(), Some(ADDRESS));
    let current = pull(&server, &anna, first.cookie, 0).await;
    assert!(current.snapshot.is_none(), "{current:?}");
    assert_eq!(current.cookie, first.cookie);

    let response = push(
        &server,
        &anna,
        &[mutation(
            1,
            "profile.set",
            json!({ "profile_id": anna.user_id, "name": "  Anna Berg ", "phone": "+49 30 1234567", "language": "ru" }),
            first.cookie,
        )],
    )
    .await;
    assert_eq!(statuses(&response), vec![(1, "applied", None)]);
    let changed = pull(&server, &anna, first.cookie, 0).await;
    assert_eq!(changed.cookie, first.cookie + 1);
    let mut expected = snapshot.profile.clone();
    expected.name = "Anna Berg".into();
    expected.phone = Some("+49301234567".into());
    expected.language = profile_domain::Language::Ru;
    let got = changed.snapshot.unwrap();
    expected.updated_at = got.profile.updated_at;
    assert_eq!(got.profile, expected);
    assert_eq!(got.sessions, snapshot.sessions);
}

async fn a_session_ended_from_another_is_revoked_and_its_pushes_never_apply(backend: Backend) {
    let (server, a) = anna(backend).await;
    let b = device(&server, "anna@example.com").await;
    let cookie = version(&server, &a).await;
    let response = push(
        &server,
        &a,
        &[mutation(
            1,
            "session.end",
            json!({ "session_id": b.session_id }),
            cookie,
        )],
    )
    .await;
    assert_eq!(statuses(&response), vec![(1, "applied", None)]);
    let after = version(&server, &a).await;
    assert_eq!(after, cookie + 1);

    push_raw(&server, &b, &[set_name(&b, 1, "Mallory", cookie)])
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    pull_raw(&server, &b, 0, 0)
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    let snapshot = pull(&server, &a, 0, 0).await.snapshot.unwrap();
    assert_eq!(snapshot.profile.name, "Anna");
    let ended = snapshot
        .sessions
        .iter()
        .find(|s| s.id.to_string() == b.session_id)
        .unwrap();
    assert_eq!(
        ended.end_reason,
        Some(profile_domain::state::EndReason::Ended)
    );
    assert!(ended.ended_at.is_some());
    assert_eq!(version(&server, &a).await, after);
    let b_rows = scalar(
        &server.db,
        &format!(
            "SELECT COUNT(*) FROM mutation_log WHERE session_id = '{}'",
            b.session_id
        ),
    )
    .await;
    assert_eq!(b_rows, 0);
}

async fn a_device_may_not_create_profiles_passwords_or_sessions(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let cookie = version(&server, &anna).await;
    let hash = profile_server::domain::password_hash::hash(
        &profile_server::domain::Password::new("Another-Passw0rd-9"),
        &profile_server::domain::Env::system(),
    )
    .unwrap();
    let response = push(
        &server,
        &anna,
        &[
            mutation(
                1,
                "profile.create",
                json!({ "profile_id": Uuid::now_v7(), "name": "Eve", "language": "en" }),
                cookie,
            ),
            mutation(
                2,
                "password.set",
                json!({ "profile_id": anna.user_id, "password_hash": hash }),
                cookie,
            ),
            mutation(
                3,
                "session.start",
                json!({ "session_id": Uuid::now_v7(), "profile_id": anna.user_id,
                        "device_name": "x", "os": "y", "app_version": "z" }),
                cookie,
            ),
            mutation(
                4,
                "password.change",
                json!({ "profile_id": anna.user_id, "expected_version": 1, "new_hash": hash }),
                cookie,
            ),
        ],
    )
    .await;
    let refused = Some("mutation.not_allowed".to_owned());
    assert_eq!(
        statuses(&response),
        vec![
            (1, "rejected", refused.clone()),
            (2, "rejected", refused.clone()),
            (3, "rejected", refused.clone()),
            (4, "rejected", refused),
        ]
    );
    assert_eq!(version(&server, &anna).await, cookie);
    // The password is still the one Anna signed in with.
    device(&server, "anna@example.com").await;
}

async fn a_stale_name_overwrites_and_is_recorded_as_a_conflict(backend: Backend) {
    let (server, a) = anna(backend).await;
    let b = device(&server, "anna@example.com").await;
    let seen = version(&server, &a).await;
    push(&server, &b, &[set_name(&b, 1, "Anna from B", seen)]).await;
    // A made its change offline, against the version before B's.
    let response = push(&server, &a, &[set_name(&a, 1, "Anna from A", seen)]).await;
    assert_eq!(statuses(&response), vec![(1, "applied", None)]);
    let pulled = pull(&server, &a, seen, 0).await;
    assert_eq!(
        pulled.snapshot.as_ref().unwrap().profile.name,
        "Anna from A"
    );
    assert_eq!(pulled.conflicts.len(), 1, "{pulled:?}");
    let conflict = &pulled.conflicts[0];
    assert_eq!(conflict.field, "name");
    assert_eq!(conflict.overwritten, json!("Anna from B"));
    assert_eq!(conflict.applied, json!("Anna from A"));
    assert_eq!(conflict.by_session.to_string(), a.session_id);
    // B's value was lost, so B is the device that shows it.
    let b_session: Uuid = b.session_id.parse().unwrap();
    assert_eq!(conflict.overwritten_by, Some(b_session));
    // Every device of the user gets the record; the app picks it by `overwritten_by`.
    let raw = pull_raw(&server, &b, seen, 0).await;
    assert_eq!(raw.status, StatusCode::OK, "{raw:?}");
    assert_eq!(
        raw.body["conflicts"][0]["overwritten_by"],
        json!(b.session_id)
    );
    // Not sent again once the cookie is past it.
    assert!(pull(&server, &a, pulled.cookie, 0)
        .await
        .conflicts
        .is_empty());
    // A change made after seeing B's is no conflict.
    let now = pulled.cookie;
    push(&server, &b, &[set_name(&b, 2, "Anna again", now)]).await;
    assert!(pull(&server, &a, now, 0).await.conflicts.is_empty());
}

/// Rows written before migration 0003 have no `overwritten_by`; a pull still reads them, and
/// leaves the field out so an older app parses the answer too.
async fn a_conflict_stored_without_its_owner_is_pulled_without_one(backend: Backend) {
    let (server, a) = anna(backend).await;
    push(&server, &a, &[set_name(&a, 1, "Anna A", 0)]).await;
    let now = version(&server, &a).await;
    let id = Uuid::now_v7();
    execute(
        &server.db,
        &format!(
            "INSERT INTO conflicts (id, user_id, field, overwritten, applied, by_session, \
             version, at) VALUES ('{id}', '{}', 'name', '\"Anna\"', '\"Anna A\"', '{}', \
             {now}, 1)",
            a.user_id, a.session_id
        ),
    )
    .await;
    let raw = pull_raw(&server, &a, 0, 0).await;
    assert_eq!(raw.status, StatusCode::OK, "{raw:?}");
    let conflict = &raw.body["conflicts"][0];
    assert_eq!(conflict["id"], json!(id));
    assert!(conflict.get("overwritten_by").is_none(), "{conflict}");
    let pulled: PullResponse = serde_json::from_value(raw.body).unwrap();
    assert_eq!(pulled.conflicts[0].overwritten_by, None);
}

/// A real 512×512 baseline JPEG.
fn jpeg_512() -> Vec<u8> {
    let pixels: Vec<u8> = (0..512 * 512)
        .flat_map(|i| {
            let (x, y) = (i % 512, i / 512);
            [(x / 2) as u8, (y / 2) as u8, ((x + y) / 4) as u8]
        })
        .collect();
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 85)
        .encode(&pixels, 512, 512, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    bytes
}

fn avatar_set(device: &Device, seq: i64, bytes: &[u8], cookie: i64) -> PushedMutation {
    use base64::Engine;
    mutation(
        seq,
        "avatar.set",
        json!({
            "profile_id": device.user_id,
            "mime": "image/jpeg",
            "image": base64::engine::general_purpose::STANDARD.encode(bytes),
        }),
        cookie,
    )
}

async fn get_blob(server: &TestServer, secret: &str, sha: &str) -> (StatusCode, String, Vec<u8>) {
    let request = Request::get(format!("/v1/blobs/{sha}"))
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let mime = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, mime, bytes.to_vec())
}

async fn an_avatar_is_stored_and_served_to_its_owner_only(backend: Backend) {
    let (server, anna) = anna(backend).await;
    server.db.add_user("bob@example.com", "Bob", PASSWORD).await;
    let bob = device(&server, "bob@example.com").await;
    let cookie = version(&server, &anna).await;
    let bytes = jpeg_512();
    let response = push(&server, &anna, &[avatar_set(&anna, 1, &bytes, cookie)]).await;
    assert_eq!(statuses(&response), vec![(1, "applied", None)]);
    let avatar = pull(&server, &anna, cookie, 0)
        .await
        .snapshot
        .unwrap()
        .profile
        .avatar
        .expect("the profile names its avatar");
    assert_eq!(avatar.sha256, profile_domain::mutation::sha256_hex(&bytes));
    assert_eq!(avatar.mime, "image/jpeg");
    let (status, mime, served) = get_blob(&server, &anna.secret, &avatar.sha256).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mime, "image/jpeg");
    assert_eq!(served, bytes);

    let (status, mime, body) = get_blob(&server, &bob.secret, &avatar.sha256).await;
    assert_eq!(
        (status, mime.as_str()),
        (StatusCode::NOT_FOUND, "application/json")
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "request.not_found");
    for sha in [
        "0".repeat(64),
        "../etc/passwd".into(),
        avatar.sha256.to_uppercase(),
    ] {
        let (status, _, _) = get_blob(&server, &anna.secret, &sha).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{sha}");
    }
    let (status, _, _) = get_blob(&server, "forged", &avatar.sha256).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn an_avatar_claiming_a_huge_size_is_rejected_as_corrupt(backend: Backend) {
    let (server, anna) = anna(backend).await;
    let cookie = version(&server, &anna).await;
    let mut bytes = jpeg_512();
    // The frame header (SOF0: FF C0, length, precision, height, width) claims 65535×65535.
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame");
    bytes[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    bytes.truncate(1024);
    let response = push(&server, &anna, &[avatar_set(&anna, 1, &bytes, cookie)]).await;
    assert_eq!(
        statuses(&response),
        vec![(1, "rejected", Some("avatar.corrupt".into()))]
    );
    assert_eq!(version(&server, &anna).await, cookie);
    let blobs = scalar(&server.db, "SELECT COUNT(*) FROM blobs").await;
    assert_eq!(blobs, 0);
}

async fn concurrent_pushes_of_two_sessions_keep_versions_contiguous(backend: Backend) {
    let (server, a) = anna(backend).await;
    let b = device(&server, "anna@example.com").await;
    let base = version(&server, &a).await;
    let server = Arc::new(server);
    const BATCHES: i64 = 5;
    const PER_BATCH: i64 = 20;
    let tasks: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|device| {
            let server = server.clone();
            tokio::spawn(async move {
                for batch in 0..BATCHES {
                    let mutations: Vec<_> = (1..=PER_BATCH)
                        .map(|i| {
                            let seq = batch * PER_BATCH + i;
                            mutation(
                                seq,
                                "profile.set",
                                json!({ "profile_id": device.user_id,
                                        "organization": format!("{} {seq}", device.session_id) }),
                                base,
                            )
                        })
                        .collect();
                    let answer = push_raw(&server, &device, &mutations).await;
                    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
                    let response: PushResponse = serde_json::from_value(answer.body).unwrap();
                    assert_eq!(response.last_seq, (batch + 1) * PER_BATCH);
                    let _ = pull_raw(&server, &device, base, 0).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let total = 2 * BATCHES * PER_BATCH;
    assert_eq!(version(&server, &a).await, base + total);
    let db = &server.db;
    let user = &a.user_id;
    let applied = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM mutation_log WHERE user_id = '{user}' AND status = 'applied'"
        ),
    )
    .await;
    let distinct = scalar(
        db,
        &format!("SELECT COUNT(DISTINCT version) FROM mutation_log WHERE user_id = '{user}'"),
    )
    .await;
    let lowest = scalar(
        db,
        &format!("SELECT MIN(version) FROM mutation_log WHERE user_id = '{user}'"),
    )
    .await;
    let highest = scalar(
        db,
        &format!("SELECT MAX(version) FROM mutation_log WHERE user_id = '{user}'"),
    )
    .await;
    assert_eq!((applied, distinct), (total, total));
    assert_eq!((lowest, highest), (base + 1, base + total));
}

async fn hostile_pushes_get_coded_answers(backend: Backend) {
    let (server, anna) = anna(backend).await;
    server.db.add_user("bob@example.com", "Bob", PASSWORD).await;
    let bob = device(&server, "bob@example.com").await;
    let cookie = version(&server, &anna).await;
    let post = |secret: &str, body: Value| {
        let secret = secret.to_owned();
        let server = &server;
        async move {
            server
                .post("/v1/sync/push", ADDRESS, Some(&secret), &body)
                .await
        }
    };
    let good = serde_json::to_value(set_name(&anna, 1, "Anna B", cookie)).unwrap();
    let with = |key: &str, value: Value| {
        let mut m = good.clone();
        m[key] = value;
        json!({ "protocol": 1, "mutations": [m] })
    };
    for (seq, field) in [
        (json!(0), "mutations[0].seq"),
        (json!(-1), "mutations[0].seq"),
        (json!(9_223_372_036_854_775_808u64), "mutations[0].seq"),
        (json!(1.5), "mutations[0].seq"),
        (json!("1"), "mutations[0].seq"),
    ] {
        let answer = post(&anna.secret, with("seq", seq)).await;
        answer.assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
        assert_eq!(answer.body["field"], field, "{answer:?}");
    }
    // Unknown fields, at the top and in a mutation.
    let mut extra = with("seq", json!(1));
    extra["client_id"] = json!(anna.session_id);
    post(&anna.secret, extra)
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
    post(&anna.secret, with("base", json!({})))
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
    // Protocol.
    let mut other = with("seq", json!(1));
    other["protocol"] = json!(2);
    post(&anna.secret, other)
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "sync.protocol_mismatch");
    let pull_other = server
        .post(
            "/v1/sync/pull",
            ADDRESS,
            Some(&anna.secret),
            &json!({ "cookie": 0, "acked_seq": 0 }),
        )
        .await;
    pull_other.assert_refused(StatusCode::BAD_REQUEST, "sync.protocol_mismatch");
    // Too many at once.
    let many: Vec<_> = (1..=101).map(|s| set_name(&anna, s, "x", cookie)).collect();
    let answer = push_raw(&server, &anna, &many).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
    assert_eq!(answer.body["field"], "mutations");
    // A forged secret, and none.
    post("forged-secret", with("seq", json!(1)))
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "auth.required");
    server
        .post("/v1/sync/push", ADDRESS, None, &with("seq", json!(1)))
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "auth.required");
    // 10 MB.
    let huge = json!({ "protocol": 1, "mutations": [], "pad": "a".repeat(10 * 1024 * 1024) });
    post(&anna.secret, huge)
        .await
        .assert_refused(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large");
    assert_eq!(
        version(&server, &anna).await,
        cookie,
        "nothing applied so far"
    );

    // Bob's profile, named from Anna's session: recorded as rejected, Bob untouched.
    let bobs_version = version(&server, &bob).await;
    let response = push(
        &server,
        &anna,
        &[
            mutation(
                1,
                "profile.set",
                json!({ "profile_id": bob.user_id, "name": "Pwned" }),
                cookie,
            ),
            mutation(
                2,
                "session.end",
                json!({ "session_id": bob.session_id }),
                cookie,
            ),
        ],
    )
    .await;
    assert_eq!(
        statuses(&response),
        vec![
            (1, "rejected", Some("profile.missing".into())),
            (2, "rejected", Some("session.not_found".into()))
        ]
    );
    let bobs = pull(&server, &bob, 0, 0).await;
    assert_eq!(bobs.cookie, bobs_version);
    assert_eq!(bobs.snapshot.unwrap().profile.name, "Bob");
    // A mutation id used again by the same user for the same change is a re-send whose
    // answer was lost: the first outcome again (marked repeated), nothing applied twice.
    // Other arguments, another kind of change, or another user reusing the id is refused.
    let before = version(&server, &anna).await;
    let first = set_name(&anna, 3, "Anna C", cookie);
    let mut resent = first.clone();
    resent.seq = 4;
    let mut other_args = set_name(&anna, 5, "Anna D", cookie);
    other_args.id = first.id;
    let mut other_kind = mutation(6, "avatar.clear", json!({}), cookie);
    other_kind.id = first.id;
    let response = push(
        &server,
        &anna,
        &[first.clone(), resent, other_args, other_kind],
    )
    .await;
    assert_eq!(
        statuses(&response),
        vec![
            (3, "applied", None),
            (4, "applied", None),
            (5, "rejected", Some("request.invalid".into())),
            (6, "rejected", Some("request.invalid".into()))
        ]
    );
    let repeated: Vec<bool> = response.results.iter().map(|r| r.repeated).collect();
    assert_eq!(repeated, vec![false, true, false, false]);
    assert_eq!(response.results[2].field.as_deref(), Some("id"));
    assert_eq!(response.results[3].field.as_deref(), Some("id"));
    assert_eq!(version(&server, &anna).await, before + 1, "applied once");
    let name = pull(&server, &anna, 0, 0)
        .await
        .snapshot
        .unwrap()
        .profile
        .name;
    assert_eq!(name, "Anna C");
    // A pull reports the repeat as one too (its answer may be the one that was lost).
    let pulled = pull(&server, &anna, cookie, 3).await;
    assert!(pulled.results[0].repeated, "{:?}", pulled.results);
    assert!(!pulled.results[1].repeated, "{:?}", pulled.results);
    let mut bobs = set_name(&bob, 1, "Bob B", bobs_version);
    bobs.id = first.id;
    assert_eq!(
        statuses(&push(&server, &bob, &[bobs]).await),
        vec![(1, "rejected", Some("request.invalid".into()))]
    );
    // A refusal keeps the values its message needs, in the push's answer, when the same
    // change is re-sent, and in a later pull.
    let long = set_name(&anna, 7, &"N".repeat(500), cookie);
    let mut long_again = long.clone();
    long_again.seq = 8;
    let response = push(&server, &anna, &[long, long_again]).await;
    for result in &response.results {
        assert_eq!(
            result.code.as_ref().unwrap().as_str(),
            "profile.name_too_long"
        );
        assert_eq!(result.field.as_deref(), Some("name"));
        assert_eq!(result.params["max"], json!(100), "{result:?}");
    }
    let pulled = pull(&server, &anna, cookie, 6).await;
    let results: Vec<_> = pulled
        .results
        .iter()
        .map(|r| (r.seq, r.params.clone()))
        .collect();
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        results.iter().all(|(_, p)| p["max"] == json!(100)),
        "{results:?}"
    );

    // Replayed after signing out.
    assert_eq!(
        server.sign_out(&anna.secret).await.status,
        StatusCode::NO_CONTENT
    );
    push_raw(&server, &anna, &[set_name(&anna, 9, "Replay", cookie)])
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session.revoked");
    assert_eq!(
        pull(&server, &bob, 0, 0)
            .await
            .snapshot
            .unwrap()
            .profile
            .name,
        "Bob"
    );
}
