//! Notification contacts on the server, through the real router on each backend: pushed by
//! two devices of one user (a delete beats an edit, one preferred per channel whatever the
//! order), read through the public API, turned into mailing lists for an administrator's
//! token only, and checked against a catalog an administrator extends.

mod common;

use axum::http::StatusCode;
use common::api_client::{device, get, Device, ADDRESS, PASSWORD};
use common::{Backend, TestServer, START_MS};
use profile_domain::channel::Channel;
use profile_domain::sync::PROTOCOL;
use profile_server::notify::Notifier;
use serde_json::{json, Value};
use uuid::Uuid;

both_backends!(
    contacts_from_two_devices_converge_by_the_rules,
    the_api_lists_own_enabled_contacts_and_mailing_lists_are_for_administrators,
    an_added_channel_reaches_clients_by_its_catalog_version,
    a_test_notification_reaches_a_webhook_and_every_refusal_is_named,
);

async fn upsert(
    server: &TestServer,
    dev: &mut Device,
    id: Uuid,
    channel: &str,
    value: &str,
    extra: Value,
) -> Value {
    let mut args = json!({"contact_id": id, "channel": channel, "value": value});
    args.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    dev.push(server, "contact.upsert", args).await
}

fn contacts_of(pulled: &profile_domain::sync::PullResponse) -> Vec<Value> {
    let snapshot = pulled.snapshot.as_ref().expect("a snapshot");
    snapshot
        .contacts
        .iter()
        .map(|c| json!([c.channel, c.value, c.enabled, c.preferred]))
        .collect()
}

async fn contacts_from_two_devices_converge_by_the_rules(backend: Backend) {
    let server = TestServer::new(backend).await;
    server
        .db
        .add_user("anna@example.com", "Anna", PASSWORD)
        .await;
    let mut laptop = device(&server, "anna@example.com").await;
    let mut phone = device(&server, "anna@example.com").await;
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let create = json!({"create": true});
    for (on_phone, id, value) in [
        (false, a, "a@example.com"),
        (true, b, "b@example.com"),
        (false, c, "c@example.com"),
    ] {
        let dev = if on_phone { &mut phone } else { &mut laptop };
        let result = upsert(&server, dev, id, "email", value, create.clone()).await;
        assert_eq!(result["status"], "applied", "{result}");
    }
    // The server applies its own rules: a duplicate and a bad value are refused and recorded.
    let dup = upsert(
        &server,
        &mut phone,
        Uuid::now_v7(),
        "email",
        "A@EXAMPLE.COM",
        create.clone(),
    )
    .await;
    assert_eq!(dup["code"], "contact.duplicate");
    let bad = upsert(
        &server,
        &mut phone,
        Uuid::now_v7(),
        "slack",
        "C0123",
        create.clone(),
    )
    .await;
    assert_eq!(bad["code"], "contact.slack_invalid");
    assert_eq!(bad["field"], "value");
    // Preferred vs preferred: both apply, the later in server order holds the mark alone.
    let p1 = upsert(
        &server,
        &mut laptop,
        b,
        "email",
        "b@example.com",
        json!({"preferred": true}),
    )
    .await;
    let p2 = upsert(
        &server,
        &mut phone,
        c,
        "email",
        "c@example.com",
        json!({"preferred": true}),
    )
    .await;
    assert_eq!(
        (p1["status"].clone(), p2["status"].clone()),
        (json!("applied"), json!("applied"))
    );
    // Delete vs edit: the laptop removes b, the phone (which had not seen it) edits it.
    let removed = laptop
        .push(&server, "contact.remove", json!({"contact_id": b}))
        .await;
    assert_eq!(removed["status"], "applied");
    let edit = upsert(&server, &mut phone, b, "email", "b2@example.com", json!({})).await;
    assert_eq!(edit["status"], "rejected");
    assert_eq!(edit["code"], "contact.not_found");
    let seen_by_laptop = contacts_of(&laptop.pull(&server).await);
    let seen_by_phone = contacts_of(&phone.pull(&server).await);
    assert_eq!(seen_by_laptop, seen_by_phone);
    assert_eq!(
        seen_by_laptop,
        [
            json!(["email", "a@example.com", true, false]),
            json!(["email", "c@example.com", true, true]),
        ]
    );
}

async fn the_api_lists_own_enabled_contacts_and_mailing_lists_are_for_administrators(
    backend: Backend,
) {
    let server = TestServer::new(backend).await;
    for (email, name) in [
        ("anna@example.com", "Anna"),
        ("boris@example.com", "Boris"),
        ("vera@example.com", "Vera"),
        ("gleb@example.com", "Gleb"),
    ] {
        server.db.add_user(email, name, PASSWORD).await;
    }
    server
        .db
        .store
        .grant_admin("anna@example.com", START_MS)
        .await
        .unwrap();
    let mut anna = device(&server, "anna@example.com").await;
    let mut boris = device(&server, "boris@example.com").await;
    let mut vera = device(&server, "vera@example.com").await;
    let create = json!({"create": true});
    upsert(
        &server,
        &mut anna,
        Uuid::now_v7(),
        "email",
        "anna@work.example",
        create.clone(),
    )
    .await;
    upsert(
        &server,
        &mut anna,
        Uuid::now_v7(),
        "telegram",
        "123456789",
        create.clone(),
    )
    .await;
    let boris_old = Uuid::now_v7();
    upsert(
        &server,
        &mut boris,
        boris_old,
        "email",
        "boris@old.example",
        create.clone(),
    )
    .await;
    let boris_new = Uuid::now_v7();
    upsert(
        &server,
        &mut boris,
        boris_new,
        "email",
        "boris@new.example",
        json!({"create": true, "preferred": true}),
    )
    .await;
    let boris_off = Uuid::now_v7();
    upsert(
        &server,
        &mut boris,
        boris_off,
        "email",
        "boris@off.example",
        json!({"create": true, "enabled": false}),
    )
    .await;
    upsert(
        &server,
        &mut boris,
        Uuid::now_v7(),
        "sms",
        "+7 912 345-67-89",
        create.clone(),
    )
    .await;
    // Vera's only e-mail is disabled: she cannot be reached there.
    upsert(
        &server,
        &mut vera,
        Uuid::now_v7(),
        "email",
        "vera@example.com",
        json!({"create": true, "enabled": false}),
    )
    .await;

    let (boris_read, _) = boris.issue(&server, "read", None).await;
    let own = get(&server, "/api/v1/notification-contacts", &boris_read).await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    let listed: Vec<_> = own
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["channel"], c["value"], c["preferred"]]))
        .collect();
    assert_eq!(
        listed,
        [
            json!(["email", "boris@new.example", true]),
            json!(["email", "boris@old.example", false]),
            json!(["sms", "+79123456789", true]),
        ],
        "enabled only, catalog order, preferred first"
    );

    let path = "/api/v1/mailing-lists?channel=email&users=boris@example.com,vera%40example.com,nobody@example.com,gleb@example.com";
    // An ordinary user's token never reads others' contacts.
    let refused = get(&server, path, &boris_read).await;
    refused.assert_refused(StatusCode::FORBIDDEN, "api.admin_required");
    let (admin_read, _) = anna.issue(&server, "read", None).await;
    let list = get(&server, path, &admin_read).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let values: Vec<_> = list.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["user_email"], c["value"], c["preferred"]]))
        .collect();
    assert_eq!(
        values,
        [
            json!(["boris@example.com", "boris@new.example", true]),
            json!(["boris@example.com", "boris@old.example", false]),
        ],
        "disabled contacts never appear"
    );
    assert_eq!(list.body["unknown"], json!(["nobody@example.com"]));
    assert_eq!(
        list.body["unreachable"].as_array().unwrap().len(),
        2,
        "vera and gleb"
    );
    // A disabled user is no one's recipient.
    server
        .db
        .store
        .disable_user("boris@example.com", START_MS + 1)
        .await
        .unwrap();
    let list = get(&server, path, &admin_read).await;
    assert_eq!(list.body["contacts"], json!([]));
    assert_eq!(
        list.body["unknown"],
        json!(["boris@example.com", "nobody@example.com"])
    );
    // Bad requests are named.
    let bad = get(
        &server,
        "/api/v1/mailing-lists?channel=pigeon&users=a@b.co",
        &admin_read,
    )
    .await;
    bad.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "contact.channel_unknown");
    assert_eq!(bad.body["field"], "channel");
    let none = get(&server, "/api/v1/mailing-lists?channel=email", &admin_read).await;
    none.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid");
    assert_eq!(none.body["field"], "users");
}

async fn pull_with(server: &TestServer, dev: &Device, catalog_version: i64) -> Value {
    let answer = server
        .post(
            "/v1/sync/pull",
            "192.0.2.1",
            Some(&dev.secret),
            &json!({"protocol": PROTOCOL, "cookie": 0, "acked_seq": 0, "catalog_version": catalog_version}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.body
}

async fn an_added_channel_reaches_clients_by_its_catalog_version(backend: Backend) {
    let server = TestServer::new(backend).await;
    server
        .db
        .add_user("anna@example.com", "Anna", PASSWORD)
        .await;
    let mut anna = device(&server, "anna@example.com").await;
    let first = pull_with(&server, &anna, 0).await;
    let version = first["catalog"]["version"]
        .as_i64()
        .expect("a catalog for version 0");
    assert_eq!(first["catalog"]["channels"].as_array().unwrap().len(), 6);
    assert!(
        pull_with(&server, &anna, version)
            .await
            .get("catalog")
            .is_none(),
        "unchanged: not sent"
    );

    let webhook: Channel = serde_json::from_value(json!({
        "id": "webhook", "name": {"en": "Webhook", "ru": "Вебхук"}, "kind": "url"
    }))
    .unwrap();
    server
        .db
        .store
        .add_channel(&webhook.clone().checked().unwrap(), START_MS)
        .await
        .unwrap();
    let again = server.db.store.add_channel(&webhook, START_MS).await;
    assert!(again.is_err(), "an id is added once");
    let pulled = pull_with(&server, &anna, version).await;
    let newer = pulled["catalog"]["version"]
        .as_i64()
        .expect("the new catalog");
    assert!(newer > version);
    assert_eq!(pulled["catalog"]["channels"][6]["id"], "webhook");

    let id = Uuid::now_v7();
    let applied = upsert(
        &server,
        &mut anna,
        id,
        "webhook",
        "https://hooks.example.com/anna",
        json!({"create": true}),
    )
    .await;
    assert_eq!(applied["status"], "applied", "{applied}");
    let insecure = upsert(
        &server,
        &mut anna,
        Uuid::now_v7(),
        "webhook",
        "http://hooks.example.com/x",
        json!({"create": true}),
    )
    .await;
    assert_eq!(insecure["code"], "contact.url_invalid");

    // Removed: its contacts stay (shown as no longer offered), new ones are refused.
    server.db.store.remove_channel("webhook").await.unwrap();
    let after = pull_with(&server, &anna, newer).await;
    assert!(after["catalog"]["version"].as_i64().unwrap() > newer);
    assert_eq!(after["snapshot"]["contacts"][0]["channel"], "webhook");
    let refused = upsert(
        &server,
        &mut anna,
        Uuid::now_v7(),
        "webhook",
        "https://hooks.example.com/b",
        json!({"create": true}),
    )
    .await;
    assert_eq!(refused["code"], "contact.channel_unknown");
    assert!(
        server.db.store.remove_channel("email").await.is_err(),
        "built-in channels stay"
    );
}

/// `POST /v1/contacts/test` for `contact` as `dev`.
async fn send_test(server: &TestServer, dev: &Device, contact: Uuid) -> common::Answer {
    server
        .post(
            "/v1/contacts/test",
            ADDRESS,
            Some(&dev.secret),
            &json!({"protocol": PROTOCOL, "contact_id": contact}),
        )
        .await
}

async fn a_test_notification_reaches_a_webhook_and_every_refusal_is_named(backend: Backend) {
    let hook = webhook_receiver::start().await;
    let notifier = Notifier::new()
        .to_private_networks()
        .trusting(hook.certificate_pem.as_bytes())
        .unwrap();
    let server = TestServer::with_notifier(backend, notifier).await;
    for email in ["anna@example.com", "boris@example.com"] {
        server.db.add_user(email, "A", PASSWORD).await;
    }
    let webhook: Channel = serde_json::from_value(
        json!({"id": "webhook", "name": {"en": "Webhook"}, "kind": "url", "multiple": true}),
    )
    .unwrap();
    server
        .db
        .store
        .add_channel(&webhook, START_MS)
        .await
        .unwrap();
    let mut anna = device(&server, "anna@example.com").await;
    let mut boris = device(&server, "boris@example.com").await;
    // The catalog says where the server has a sender: webhooks only.
    let pulled = pull_with(&server, &anna, 0).await;
    let senders: Vec<_> = pulled["catalog"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["test_sender"] == true)
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(senders, [json!("webhook")]);

    let (good, bad, mail) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let create = json!({"create": true});
    upsert(
        &server,
        &mut anna,
        good,
        "webhook",
        &hook.url,
        create.clone(),
    )
    .await;
    upsert(
        &server,
        &mut anna,
        bad,
        "webhook",
        &hook.failing_url,
        create.clone(),
    )
    .await;
    upsert(
        &server,
        &mut anna,
        mail,
        "email",
        "anna@example.com",
        create.clone(),
    )
    .await;

    let sent = send_test(&server, &anna, good).await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let received = hook.bodies();
    assert_eq!(received.len(), 1);
    let body: Value = serde_json::from_str(&received[0]).unwrap();
    assert_eq!(body["kind"], "acure_profile.test");
    assert!(body["text"].as_str().unwrap().contains("anna@example.com"));

    let refused = send_test(&server, &anna, bad).await;
    refused.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "contact.test_refused");
    assert_eq!(refused.body["params"]["status"], 500);
    send_test(&server, &anna, mail)
        .await
        .assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "contact.test_unavailable");
    // Another user's contact is as good as none.
    send_test(&server, &boris, good)
        .await
        .assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "contact.not_found");
    upsert(
        &server,
        &mut boris,
        Uuid::now_v7(),
        "webhook",
        &hook.url,
        create,
    )
    .await;

    // A server that keeps to public addresses sends nothing to loopback.
    let public_only = Notifier::new()
        .trusting(hook.certificate_pem.as_bytes())
        .unwrap();
    let strict = TestServer::with_notifier(backend, public_only).await;
    strict.db.add_user("anna@example.com", "A", PASSWORD).await;
    strict
        .db
        .store
        .add_channel(&webhook, START_MS)
        .await
        .unwrap();
    let mut anna = device(&strict, "anna@example.com").await;
    let id = Uuid::now_v7();
    upsert(
        &strict,
        &mut anna,
        id,
        "webhook",
        &hook.url,
        json!({"create": true}),
    )
    .await;
    send_test(&strict, &anna, id)
        .await
        .assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "contact.test_unreachable");
    assert_eq!(hook.bodies().len(), 1, "nothing more was sent");
}
