//! A signed-in device of the API tests: pushes mutations as a device's sync client does,
//! issues personal tokens (only their hash travels) and calls the public API with them.

use super::{Answer, TestServer};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use profile_domain::sync::{PullResponse, PushResponse, PushedMutation, PROTOCOL};
use profile_domain::token::ApiToken;
use rand::rngs::OsRng;
use serde_json::{json, Value};
use uuid::Uuid;

/// Every test user's password.
pub const PASSWORD: &str = "Str0ng-Passw0rd";
/// The address devices sign in from.
pub const ADDRESS: &str = "192.0.2.1";

/// A signed-in device.
pub struct Device {
    pub secret: String,
    pub user_id: String,
    pub seq: i64,
}

pub async fn device(server: &TestServer, email: &str) -> Device {
    let answer = server.sign_in(email, PASSWORD, ADDRESS).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    Device {
        secret: answer.body["secret"].as_str().unwrap().to_owned(),
        user_id: answer.body["user"]["id"].as_str().unwrap().to_owned(),
        seq: 0,
    }
}

impl Device {
    /// Pushes one mutation; returns its result.
    pub async fn push(&mut self, server: &TestServer, name: &str, args: Value) -> Value {
        self.seq += 1;
        let pushed = PushedMutation {
            seq: self.seq,
            id: Uuid::now_v7(),
            name: name.into(),
            args,
            cookie: 0,
        };
        let answer = server
            .post(
                "/v1/sync/push",
                ADDRESS,
                Some(&self.secret),
                &json!({ "protocol": PROTOCOL, "mutations": [pushed] }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        let response: PushResponse = serde_json::from_value(answer.body).unwrap();
        serde_json::to_value(&response.results[0]).unwrap()
    }

    /// Issues a token on this device (only its hash travels); returns its text and id.
    pub async fn issue(
        &mut self,
        server: &TestServer,
        scope: &str,
        expires_at: Option<i64>,
    ) -> (String, Uuid) {
        let token = ApiToken::generate(&mut OsRng);
        let id = Uuid::now_v7();
        let result = self
            .push(
                server,
                "token.create",
                json!({"token_id": id, "sha256": token.sha256_hex(),
                       "prefix": token.display_prefix(), "scope": scope,
                       "description": format!("{scope} script"), "expires_at": expires_at}),
            )
            .await;
        assert_eq!(result["status"], "applied", "{result}");
        (token.expose().to_owned(), id)
    }

    pub async fn pull(&self, server: &TestServer) -> PullResponse {
        let answer = server
            .post(
                "/v1/sync/pull",
                ADDRESS,
                Some(&self.secret),
                &json!({"protocol": PROTOCOL, "cookie": 0, "acked_seq": 0}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        serde_json::from_value(answer.body).unwrap()
    }
}

/// Sends `method` to `path` with `token` (if any) and a JSON body for methods that take one.
pub async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Answer {
    let mut request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header("x-forwarded-for", "198.51.100.7");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = if matches!(method, Method::GET | Method::HEAD) {
        Body::empty()
    } else {
        request = request.header(header::CONTENT_TYPE, "application/json");
        Body::from(body.to_string())
    };
    server.send(request.body(body).unwrap()).await
}

/// `GET path` with `token`.
pub async fn get(server: &TestServer, path: &str, token: &str) -> Answer {
    call(server, Method::GET, path, Some(token), Value::Null).await
}
