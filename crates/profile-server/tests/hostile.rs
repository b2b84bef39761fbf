//! Hostile requests: each gets the expected status and a coded JSON error, never axum's
//! plain text, and none of them changes anything.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{Backend, TestServer};
use profile_server::secret::SessionSecret;
use serde_json::json;

const EMAIL: &str = "anna@example.com";
const PASSWORD: &str = "Str0ng-Passw0rd";

both_backends!(
    malformed_bodies_are_request_invalid_with_the_field,
    the_protocol_must_be_named_and_match,
    bodies_must_be_json_and_small,
    forged_and_malformed_secrets_are_auth_required,
    unknown_paths_and_methods_are_coded_too,
);

fn raw(path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("x-forwarded-for", "192.0.2.1");
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request.body(body.into()).unwrap()
}

async fn malformed_bodies_are_request_invalid_with_the_field(backend: Backend) {
    let server = TestServer::new(backend).await;
    let user_id = server.db.add_user(EMAIL, "Anna", PASSWORD).await;
    let json = Some("application/json");
    for (body, field) in [
        ("{\"protocol\": 1, \"email\": ", None),
        ("[1, 2, 3]", None),
        ("\"protocol\"", None),
        ("\u{0}\u{1}binary", None),
    ] {
        let answer = server.send(raw("/v1/auth/sign-in", json, body)).await;
        answer.assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
        assert_eq!(answer.body.get("field").and_then(|f| f.as_str()), field);
    }
    let mut cases = Vec::new();
    let mut wrong_type = common::sign_in_body(EMAIL, PASSWORD);
    wrong_type["email"] = json!(42);
    cases.push((wrong_type, "email"));
    let mut nested = common::sign_in_body(EMAIL, PASSWORD);
    nested["device"]["name"] = json!(["a", "b"]);
    cases.push((nested, "device.name"));
    let mut unknown = common::sign_in_body(EMAIL, PASSWORD);
    unknown["is_admin"] = json!(true);
    cases.push((unknown, "is_admin"));
    let mut unknown_nested = common::sign_in_body(EMAIL, PASSWORD);
    unknown_nested["device"]["serial"] = json!("x");
    cases.push((unknown_nested, "device.serial"));
    let mut missing = common::sign_in_body(EMAIL, PASSWORD);
    missing.as_object_mut().unwrap().remove("password");
    cases.push((missing, "password"));
    let mut missing_nested = common::sign_in_body(EMAIL, PASSWORD);
    missing_nested["device"]
        .as_object_mut()
        .unwrap()
        .remove("os");
    cases.push((missing_nested, "device.os"));
    let mut null = common::sign_in_body(EMAIL, PASSWORD);
    null["password"] = json!(null);
    cases.push((null, "password"));
    for (body, field) in cases {
        let answer = server
            .post("/v1/auth/sign-in", "192.0.2.1", None, &body)
            .await;
        answer.assert_refused(StatusCode::BAD_REQUEST, "request.invalid");
        assert_eq!(answer.body["field"], field, "{body}");
    }
    // None of it started a session or counted as a wrong password.
    assert!(server
        .db
        .store
        .sessions_of(&user_id)
        .await
        .unwrap()
        .is_empty());
    for _ in 0..5 {
        let wrong = server.sign_in(EMAIL, "Wrong-Passw0rd", "192.0.2.2").await;
        assert_eq!(wrong.code(), "auth.invalid_credentials");
    }
}

async fn the_protocol_must_be_named_and_match(backend: Backend) {
    let server = TestServer::new(backend).await;
    server.db.add_user(EMAIL, "Anna", PASSWORD).await;
    for protocol in [
        None,
        Some(json!(2)),
        Some(json!("1")),
        Some(json!(1.5)),
        Some(json!(null)),
    ] {
        let mut body = common::sign_in_body(EMAIL, PASSWORD);
        match protocol {
            Some(p) => body["protocol"] = p,
            None => {
                body.as_object_mut().unwrap().remove("protocol");
            }
        }
        let answer = server
            .post("/v1/auth/sign-in", "192.0.2.1", None, &body)
            .await;
        answer.assert_refused(StatusCode::BAD_REQUEST, "sync.protocol_mismatch");
    }
    let secret = server.signed_in(EMAIL, PASSWORD).await;
    let answer = server
        .post("/v1/auth/sign-out", "192.0.2.1", Some(&secret), &json!({}))
        .await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "sync.protocol_mismatch");
    assert_eq!(
        server.sign_out(&secret).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn bodies_must_be_json_and_small(backend: Backend) {
    let server = TestServer::new(backend).await;
    let body = common::sign_in_body(EMAIL, PASSWORD).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let answer = server
            .send(raw("/v1/auth/sign-in", content_type, body.clone()))
            .await;
        answer.assert_refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.unsupported_media_type",
        );
    }
    let charset = server
        .send(raw(
            "/v1/auth/sign-in",
            Some("application/json; charset=utf-8"),
            body,
        ))
        .await;
    assert_eq!(charset.code(), "auth.invalid_credentials");

    // 10 MB: announced by Content-Length, and streamed without one.
    let huge = format!(
        "{{\"protocol\": 1, \"email\": \"{}\"}}",
        "a".repeat(10 * 1024 * 1024)
    );
    let mut announced = raw("/v1/auth/sign-in", Some("application/json"), huge.clone());
    announced
        .headers_mut()
        .insert(header::CONTENT_LENGTH, huge.len().into());
    server
        .send(announced)
        .await
        .assert_refused(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large");
    let chunks = huge
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
        .collect::<Vec<_>>();
    let streamed = Body::from_stream(chunk_stream(chunks));
    server
        .send(raw("/v1/auth/sign-in", Some("application/json"), streamed))
        .await
        .assert_refused(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large");
}

/// A stream over ready chunks, without a size hint (like a chunked upload).
fn chunk_stream(
    chunks: Vec<Result<axum::body::Bytes, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    struct Chunks(std::vec::IntoIter<Result<axum::body::Bytes, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<axum::body::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Chunks(chunks.into_iter())
}

async fn forged_and_malformed_secrets_are_auth_required(backend: Backend) {
    let server = TestServer::new(backend).await;
    server.db.add_user(EMAIL, "Anna", PASSWORD).await;
    let real = server.signed_in(EMAIL, PASSWORD).await;
    let forged = SessionSecret::generate();
    let mut tampered = real.clone();
    tampered.pop();
    tampered.push(if real.ends_with('A') { 'B' } else { 'A' });
    let body = json!({ "protocol": 1 }).to_string();
    for authorization in [
        None,
        Some(format!("Bearer {}", forged.expose())),
        Some(format!("Bearer {tampered}")),
        Some(format!("Basic {real}")),
        Some(format!("Bearer{real}")),
        Some("Bearer ".to_owned()),
        Some(format!("Bearer {}", &real[..20])),
        Some(format!("Bearer {real}{real}")),
    ] {
        let mut request = raw("/v1/auth/sign-out", Some("application/json"), body.clone());
        if let Some(value) = &authorization {
            request
                .headers_mut()
                .insert(header::AUTHORIZATION, value.parse().unwrap());
        }
        let answer = server.send(request).await;
        answer.assert_refused(StatusCode::UNAUTHORIZED, "auth.required");
        assert_eq!(
            answer.headers.get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer"
        );
    }
    // The real one was untouched by all that, and the scheme's case does not matter.
    let mut request = raw("/v1/auth/sign-out", Some("application/json"), body);
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("bearer {real}").parse().unwrap(),
    );
    assert_eq!(server.send(request).await.status, StatusCode::NO_CONTENT);
}

async fn unknown_paths_and_methods_are_coded_too(backend: Backend) {
    let server = TestServer::new(backend).await;
    let answer = server
        .send(raw("/v1/nowhere", Some("application/json"), "{}"))
        .await;
    answer.assert_refused(StatusCode::NOT_FOUND, "request.not_found");
    let get = Request::get("/v1/auth/sign-in")
        .body(Body::empty())
        .unwrap();
    let answer = server.send(get).await;
    answer.assert_refused(StatusCode::METHOD_NOT_ALLOWED, "request.method_not_allowed");
    assert!(answer.headers.get(header::ALLOW).is_some());
    let post_health = raw("/health", Some("application/json"), "{}");
    server
        .send(post_health)
        .await
        .assert_refused(StatusCode::METHOD_NOT_ALLOWED, "request.method_not_allowed");
}
