//! The local account on real SQLite files: creation, sign-in, throttle, password change,
//! sessions, and that no plain password ever reaches the disk.

use profile_core::security::throttle::MAX_WAIT_MS;
use profile_core::{
    AccountState, AccountStore, CoreError, DeviceInfo, Env, ErrorCode, FirstRun, Language,
    ManualClock, Mutation, Password, ProfileStore, Randomness, SignedIn,
};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;

const T0: i64 = 1_780_000_000_000;
const FIRST: &str = "Ёжик123";
const SECOND: &str = "Tuman-42-Loshadka";

struct Device {
    profiles: ProfileStore,
    accounts: AccountStore,
    clock: Arc<ManualClock>,
    path: PathBuf,
}

impl Device {
    /// The signed-in person, the only way to what needs a sign-in.
    async fn me(&self) -> Result<SignedIn, CoreError> {
        self.accounts.signed_in(&self.profiles).await
    }
}

async fn open_at(path: PathBuf, clock: Arc<ManualClock>, seed: u64) -> Device {
    let env = Env {
        clock: clock.clone(),
        random: Randomness::seeded(seed),
    };
    let profiles = ProfileStore::open(&path, env.clone())
        .await
        .expect("store opens");
    let accounts = AccountStore::new(profiles.database().clone(), env);
    Device {
        profiles,
        accounts,
        clock,
        path,
    }
}

async fn open(dir: &TempDir) -> Device {
    open_at(
        dir.path().join("profile.sqlite3"),
        Arc::new(ManualClock::at(T0)),
        7,
    )
    .await
}

fn laptop() -> DeviceInfo {
    DeviceInfo {
        device_name: "anna-laptop".into(),
        os: "Linux 6.8".into(),
        app_version: "0.1.0".into(),
    }
}

fn phone() -> DeviceInfo {
    DeviceInfo {
        device_name: "anna-phone".into(),
        os: "Android 15".into(),
        app_version: "0.1.0".into(),
    }
}

fn first_run() -> FirstRun {
    FirstRun {
        name: "Анна Петрова".into(),
        language: Language::Ru,
        time_zone: "Europe/Moscow".into(),
    }
}

async fn created(dir: &TempDir) -> Device {
    let device = open(dir).await;
    device
        .accounts
        .create_local_account(
            first_run(),
            "anna@example.com",
            FIRST.into(),
            FIRST.into(),
            laptop(),
        )
        .await
        .expect("account created");
    device
}

/// The names of the mutations waiting in the outbox, oldest first.
async fn outbox_names(device: &Device) -> Vec<&'static str> {
    let pending = device.profiles.pending().await.unwrap();
    pending.iter().map(|e| e.mutation.name()).collect()
}

fn code(result: Result<impl std::fmt::Debug, CoreError>) -> ErrorCode {
    result.expect_err("refused").code()
}

#[tokio::test]
async fn creating_the_account_makes_profile_password_and_first_session_in_order() {
    let dir = TempDir::new().unwrap();
    let device = open(&dir).await;
    assert!(!device.accounts.has_account().await.unwrap());
    let profile = device
        .accounts
        .create_local_account(
            first_run(),
            " anna@example.com ",
            FIRST.into(),
            FIRST.into(),
            laptop(),
        )
        .await
        .unwrap();
    assert_eq!(profile.name, "Анна Петрова");
    assert_eq!(profile.email.as_deref(), Some("anna@example.com"));
    assert_eq!(profile.time_zone, "Europe/Moscow");

    let current = device.accounts.current_session().await.unwrap().unwrap();
    assert_eq!(current.device_name, "anna-laptop");
    assert_eq!(current.started_at, T0);
    assert!(current.is_current);

    assert_eq!(
        outbox_names(&device).await,
        [
            "profile.create",
            "profile.set",
            "password.set",
            "session.start"
        ]
    );

    // A second account on the same device is refused, and nothing is added.
    let again = device
        .accounts
        .create_local_account(
            first_run(),
            "",
            "Другой9пароль".into(),
            "Другой9пароль".into(),
            laptop(),
        )
        .await;
    assert_eq!(code(again), ErrorCode::AccountExists);
    assert_eq!(device.profiles.pending().await.unwrap().len(), 4);
}

#[tokio::test]
async fn the_state_goes_from_first_run_to_signed_in_to_signed_out() {
    let dir = TempDir::new().unwrap();
    let device = open(&dir).await;
    assert_eq!(
        device.accounts.state().await.unwrap(),
        AccountState::FirstRun
    );
    assert_eq!(
        code(device.accounts.touch_current_session().await),
        ErrorCode::AccountSignedOut
    );
    device
        .accounts
        .create_local_account(first_run(), "", FIRST.into(), FIRST.into(), laptop())
        .await
        .unwrap();
    assert_eq!(
        device.accounts.state().await.unwrap(),
        AccountState::SignedIn
    );
    device.accounts.touch_current_session().await.unwrap();
    device.me().await.unwrap().end_all_sessions().await.unwrap();
    assert_eq!(
        device.accounts.state().await.unwrap(),
        AccountState::SignedOut
    );
    assert_eq!(
        code(device.accounts.touch_current_session().await),
        ErrorCode::AccountSignedOut
    );
}

#[tokio::test]
async fn a_double_submitted_first_run_creates_one_account() {
    let dir = TempDir::new().unwrap();
    let device = open(&dir).await;
    let create = |accounts: AccountStore| async move {
        accounts
            .create_local_account(first_run(), "", FIRST.into(), FIRST.into(), laptop())
            .await
    };
    let (a, b) = tokio::join!(
        create(device.accounts.clone()),
        create(device.accounts.clone())
    );
    let codes: Vec<Option<ErrorCode>> = [&a, &b]
        .iter()
        .map(|r| r.as_ref().err().map(CoreError::code))
        .collect();
    assert!(
        codes.contains(&None) && codes.contains(&Some(ErrorCode::AccountExists)),
        "one succeeds, the other finds the account: {codes:?}"
    );
    assert_eq!(
        outbox_names(&device).await,
        ["profile.create", "password.set", "session.start"]
    );
}

#[tokio::test]
async fn session_views_write_dates_in_the_profile_zone_and_language() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    // T0 is 2026-05-28 20:26:40 UTC; the profile's zone is Europe/Moscow (UTC+3).
    let ru = device
        .me()
        .await
        .unwrap()
        .session_views(Language::Ru)
        .await
        .unwrap();
    assert_eq!(ru.len(), 1);
    assert_eq!(ru[0].started_text, "28.05.2026, 23:26");
    assert_eq!(ru[0].ended_text, None);
    let en = device
        .me()
        .await
        .unwrap()
        .session_views(Language::En)
        .await
        .unwrap();
    assert_eq!(en[0].started_text, "May 28, 2026, 11:26 PM");
    assert!(en[0].session.is_current);
}

#[tokio::test]
async fn a_refused_first_run_creates_nothing() {
    let dir = TempDir::new().unwrap();
    let device = open(&dir).await;
    for (password, confirmation, refusal, field) in [
        // A mistyped confirmation, and a password that breaks a rule.
        (
            FIRST,
            "Ёжик321",
            ErrorCode::PasswordMismatch,
            "password_confirmation",
        ),
        (
            "пароль",
            "пароль",
            ErrorCode::PasswordNeedsDigit,
            "new_password",
        ),
    ] {
        let refused = device
            .accounts
            .create_local_account(
                first_run(),
                "",
                password.into(),
                confirmation.into(),
                laptop(),
            )
            .await
            .unwrap_err();
        assert_eq!(refused.code(), refusal);
        assert_eq!(refused.field(), Some(field));
        assert_eq!(device.profiles.profile().await.unwrap(), None);
        assert!(device.profiles.pending().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_first_run_name_is_refused_with_an_invisible_character() {
    let dir = TempDir::new().unwrap();
    let device = open(&dir).await;
    let disguised = FirstRun {
        name: "Анна\u{202E}Петрова".into(),
        ..first_run()
    };
    let refused = device
        .accounts
        .create_local_account(disguised, "", FIRST.into(), FIRST.into(), laptop())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ProfileNameInvisibleChars);
    assert_eq!(refused.field(), Some("name"));
    assert_eq!(refused.params()["char"], "U+202E");
    assert_eq!(device.profiles.profile().await.unwrap(), None);
}

#[tokio::test]
async fn a_profile_made_without_a_password_is_adopted() {
    let dir = TempDir::new().unwrap();
    let device = open(&dir).await;
    let before = device.profiles.ensure_profile(first_run()).await.unwrap();
    let after = device
        .accounts
        .create_local_account(
            FirstRun {
                name: "Anna".into(),
                ..first_run()
            },
            "",
            FIRST.into(),
            FIRST.into(),
            laptop(),
        )
        .await
        .unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.name, "Anna");
    assert!(device.accounts.is_signed_in().await.unwrap());
}

#[tokio::test]
async fn ending_the_current_session_signs_out_and_signing_in_starts_a_new_one() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let first = device.accounts.current_session().await.unwrap().unwrap();

    device.clock.advance(60_000);
    // A handle taken while signed in: it outlives the session it was made for.
    let stale = device.me().await.unwrap();
    stale.end_session(first.id).await.unwrap();
    assert_eq!(device.accounts.current_session().await.unwrap(), None);
    assert_eq!(
        code(device.accounts.touch_current_session().await),
        ErrorCode::AccountSignedOut
    );
    assert_eq!(code(device.me().await), ErrorCode::AccountSignedOut);
    // Everything the stale handle tries is refused in its transaction; nothing is queued.
    let queued = device.profiles.pending().await.unwrap().len();
    assert_eq!(
        code(stale.change_password(FIRST.into(), SECOND.into()).await),
        ErrorCode::AccountSignedOut
    );
    let rename = profile_core::ProfileChanges {
        name: Some("Stale".into()),
        ..Default::default()
    };
    assert_eq!(
        code(stale.update(rename).await),
        ErrorCode::AccountSignedOut
    );
    assert_eq!(
        code(stale.end_all_sessions().await),
        ErrorCode::AccountSignedOut
    );
    assert_eq!(device.profiles.pending().await.unwrap().len(), queued);
    assert_ne!(
        device.profiles.profile().await.unwrap().unwrap().name,
        "Stale"
    );

    device.clock.advance(1_000);
    let second = device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .unwrap();
    assert_ne!(second, first.id);
    let current = device.accounts.current_session().await.unwrap().unwrap();
    assert_eq!(current.id, second);
    assert_eq!(current.started_at, T0 + 61_000);

    // The first stays ended, with when and why.
    let sessions = device.accounts.sessions().await.unwrap();
    let old = sessions.iter().find(|s| s.id == first.id).unwrap();
    assert_eq!(old.ended_at, Some(T0 + 60_000));
    assert_eq!(old.end_reason.as_deref(), Some("ended"));
    assert!(!old.is_current);
}

#[tokio::test]
async fn ended_sessions_stay_ended() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let laptop_session = device.accounts.current_session().await.unwrap().unwrap().id;
    device.clock.advance(1_000);
    let phone_session = device
        .accounts
        .sign_in(FIRST.into(), phone())
        .await
        .unwrap();
    // Signing in again on this device ended the previous session of this device.
    let ended = device.accounts.sessions().await.unwrap();
    let old = ended.iter().find(|s| s.id == laptop_session).unwrap();
    assert_eq!(old.ended_at, Some(T0 + 1_000));

    // Ending it again changes nothing and records nothing.
    let pending = device.profiles.pending().await.unwrap().len();
    device.clock.advance(5_000);
    device
        .me()
        .await
        .unwrap()
        .end_session(laptop_session)
        .await
        .unwrap();
    assert_eq!(device.profiles.pending().await.unwrap().len(), pending);
    // Even a replayed session.end mutation (as from sync) leaves the first end in place.
    device
        .profiles
        .commit(Mutation::SessionEnd(profile_core::mutation::SessionEnd {
            session_id: laptop_session,
        }))
        .await
        .unwrap();
    let again = device.accounts.sessions().await.unwrap();
    let old = again.iter().find(|s| s.id == laptop_session).unwrap();
    assert_eq!(old.ended_at, Some(T0 + 1_000));
    assert_eq!(
        device.accounts.current_session().await.unwrap().unwrap().id,
        phone_session
    );

    // The database itself refuses to bring it back.
    let revived = sqlx::query("UPDATE session SET ended_at = NULL, end_reason = NULL WHERE id = ?")
        .bind(laptop_session.to_string())
        .execute(device.profiles.database().pool())
        .await;
    assert!(revived.is_err());

    assert_eq!(
        code(
            device
                .me()
                .await
                .unwrap()
                .end_session(uuid::Uuid::nil())
                .await
        ),
        ErrorCode::SessionNotFound
    );
}

/// Starts another active session of the same profile, as sync would bring from another device.
async fn other_device_session(device: &Device) -> uuid::Uuid {
    let current = device.accounts.current_session().await.unwrap().unwrap().id;
    let session_id =
        peer_session(device, ["anna-phone", "Android 15", "0.1.0", "203.0.113.7"]).await;
    // A session.start from elsewhere (as sync will apply it) signs nobody in here.
    let still = device.accounts.current_session().await.unwrap().unwrap().id;
    assert_eq!(still, current);
    session_id
}

/// Commits another device's `session.start` with its device name, OS, app version and address.
async fn peer_session(device: &Device, [name, os, version, address]: [&str; 4]) -> uuid::Uuid {
    let profile_id = device.profiles.profile().await.unwrap().unwrap().id;
    let session_id = uuid::Uuid::now_v7();
    device
        .profiles
        .commit(Mutation::SessionStart(
            profile_core::mutation::SessionStart {
                session_id,
                profile_id,
                device_name: name.into(),
                os: os.into(),
                app_version: version.into(),
                address: Some(address.into()),
            },
        ))
        .await
        .unwrap();
    session_id
}

#[tokio::test]
async fn sessions_list_active_first_by_last_activity_and_end_others_or_all() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let mine = device.accounts.current_session().await.unwrap().unwrap().id;
    device.clock.advance(1_000);
    let a = other_device_session(&device).await;
    device.clock.advance(1_000);
    let b = other_device_session(&device).await;
    device.clock.advance(1_000);
    device.me().await.unwrap().end_session(b).await.unwrap();
    device.clock.advance(1_000);
    device.accounts.touch_current_session().await.unwrap();

    let order: Vec<_> = device
        .accounts
        .sessions()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(order, [mine, a, b]);

    device
        .me()
        .await
        .unwrap()
        .end_other_sessions()
        .await
        .unwrap();
    let sessions = device.accounts.sessions().await.unwrap();
    let active: Vec<_> = sessions
        .iter()
        .filter(|s| s.is_active())
        .map(|s| s.id)
        .collect();
    assert_eq!(active, [mine]);
    assert!(device.accounts.is_signed_in().await.unwrap());

    device.me().await.unwrap().end_all_sessions().await.unwrap();
    assert!(device
        .accounts
        .sessions()
        .await
        .unwrap()
        .iter()
        .all(|s| !s.is_active()));
    assert!(!device.accounts.is_signed_in().await.unwrap());
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_and_keeps_this_one() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let mine = device.accounts.current_session().await.unwrap().unwrap().id;
    let other = other_device_session(&device).await;

    device.clock.advance(10_000);
    device
        .me()
        .await
        .unwrap()
        .change_password(FIRST.into(), SECOND.into())
        .await
        .unwrap();
    let sessions = device.accounts.sessions().await.unwrap();
    let find = |id| sessions.iter().find(|s| s.id == id).unwrap();
    assert!(find(mine).is_active() && find(mine).is_current);
    assert_eq!(find(other).ended_at, Some(T0 + 10_000));
    assert_eq!(find(other).end_reason.as_deref(), Some("password_changed"));

    // The new password signs in; the old one no longer does.
    device.me().await.unwrap().end_all_sessions().await.unwrap();
    assert_eq!(
        code(device.accounts.sign_in(FIRST.into(), laptop()).await),
        ErrorCode::PasswordWrong
    );
    device
        .accounts
        .sign_in(SECOND.into(), laptop())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_current_password_is_checked_before_the_new_one() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let wrong = device
        .me()
        .await
        .unwrap()
        .change_password("Wrong-pass-1".into(), "пароль".into())
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::PasswordCurrentWrong);
    assert_eq!(wrong.field(), Some("current_password"));

    let weak = device
        .me()
        .await
        .unwrap()
        .change_password(FIRST.into(), "пароль".into())
        .await
        .unwrap_err();
    assert_eq!(weak.code(), ErrorCode::PasswordNeedsDigit);
    assert_eq!(weak.field(), Some("new_password"));
    assert_eq!(
        code(
            device
                .me()
                .await
                .unwrap()
                .change_password(FIRST.into(), FIRST.into())
                .await
        ),
        ErrorCode::PasswordSameAsCurrent
    );
    assert_eq!(
        code(
            device
                .me()
                .await
                .unwrap()
                .change_password(FIRST.into(), "Qwerty123".into())
                .await
        ),
        ErrorCode::PasswordTooCommon
    );
}

#[tokio::test]
async fn a_stale_password_version_is_refused() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let profile_id = device.profiles.profile().await.unwrap().unwrap().id;
    device
        .me()
        .await
        .unwrap()
        .change_password(FIRST.into(), SECOND.into())
        .await
        .unwrap();
    let outbox = device.profiles.pending().await.unwrap();
    let Some(Mutation::PasswordChange(change)) = outbox.last().map(|e| e.mutation.clone()) else {
        panic!("the last mutation is the password change");
    };
    assert_eq!(change.expected_version, 1);

    // The same change made elsewhere against version 1 arrives after ours: refused.
    let stale = device
        .profiles
        .commit(Mutation::PasswordChange(
            profile_core::mutation::PasswordChange {
                profile_id,
                ..change
            },
        ))
        .await;
    assert_eq!(code(stale), ErrorCode::PasswordChangedElsewhere);
    let version: i64 = sqlx::query_scalar("SELECT password_version FROM credential")
        .fetch_one(device.profiles.database().pool())
        .await
        .unwrap();
    assert_eq!(version, 2);
}

#[tokio::test]
async fn a_plain_password_cannot_pass_for_a_hash() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let profile_id = device.profiles.profile().await.unwrap().unwrap().id;
    let smuggled = device
        .profiles
        .commit(Mutation::PasswordChange(
            profile_core::mutation::PasswordChange {
                profile_id,
                expected_version: 1,
                new_hash: SECOND.into(),
                session_id: None,
            },
        ))
        .await;
    assert_eq!(code(smuggled), ErrorCode::Internal);
}

#[tokio::test]
async fn wrong_passwords_are_throttled_and_the_count_survives_a_restart() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    device.me().await.unwrap().end_all_sessions().await.unwrap();
    let wrong = || Password::new("Wrong-pass-1");

    for _ in 0..5 {
        assert_eq!(
            code(device.accounts.sign_in(wrong(), laptop()).await),
            ErrorCode::PasswordWrong
        );
    }
    // The sixth try must wait 1 s; even the right password is not verified meanwhile.
    let throttled = device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .unwrap_err();
    assert_eq!(throttled.code(), ErrorCode::PasswordThrottled);
    assert_eq!(throttled.params()["wait_seconds"], 1);
    assert_eq!(throttled.field(), Some("password"));

    // Each further failure doubles the wait: 1, 2, 4 … s, capped at 300 s.
    let mut expected = vec![];
    let mut seen = vec![];
    for failure in 0..12 {
        let wait = device.accounts.throttle_wait_ms().await.unwrap();
        seen.push(wait);
        expected.push((1_000_i64 << failure).min(MAX_WAIT_MS));
        device.clock.advance(wait - 1);
        // A try inside the wait is refused and does not count.
        assert_eq!(
            code(device.accounts.sign_in(wrong(), laptop()).await),
            ErrorCode::PasswordThrottled
        );
        device.clock.advance(1);
        assert_eq!(
            code(device.accounts.sign_in(wrong(), laptop()).await),
            ErrorCode::PasswordWrong
        );
    }
    assert_eq!(seen, expected);
    assert_eq!(*seen.last().unwrap(), 300_000);

    // Reopened (as after a restart), the wait is still there.
    let (path, clock) = (device.path.clone(), device.clock.clone());
    device.profiles.close().await;
    let device = open_at(path, clock, 8).await;
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 300_000);
    let after_restart = device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .unwrap_err();
    assert_eq!(after_restart.code(), ErrorCode::PasswordThrottled);
    assert_eq!(after_restart.params()["wait_seconds"], 300);

    // Once the wait is over the right password works and the count starts again.
    device.clock.advance(300_000);
    device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .unwrap();
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 0);
    for _ in 0..5 {
        assert_eq!(
            code(
                device
                    .me()
                    .await
                    .unwrap()
                    .change_password(wrong(), SECOND.into())
                    .await
            ),
            ErrorCode::PasswordCurrentWrong
        );
    }
    assert_eq!(
        code(
            device
                .me()
                .await
                .unwrap()
                .change_password(FIRST.into(), SECOND.into())
                .await
        ),
        ErrorCode::PasswordThrottled
    );
}

#[tokio::test]
async fn device_facts_lose_invisible_characters_before_they_are_stored() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    device.me().await.unwrap().end_all_sessions().await.unwrap();
    // This device's own facts, as the app passes them at sign-in.
    let disguised = DeviceInfo {
        device_name: "\u{202E}enohp-anna\u{200B}".into(),
        os: "Android\u{2066} 15\u{FEFF}".into(),
        app_version: "0.1.0\u{061C}\u{00AD}".into(),
    };
    device
        .accounts
        .sign_in(FIRST.into(), disguised)
        .await
        .unwrap();
    let current = device.accounts.current_session().await.unwrap().unwrap();
    assert_eq!(
        (current.device_name, current.os, current.app_version),
        ("enohp-anna".into(), "Android 15".into(), "0.1.0".into())
    );

    // Another device's session.start, as a sync peer would send it.
    let session_id = peer_session(
        &device,
        [
            "anna-laptop\u{202E}\u{2067}",
            "\u{2060}Linux\u{200F}",
            "\u{200D}0.1.0",
            "203.0.113.7\u{200E}",
        ],
    )
    .await;
    let sessions = device.accounts.sessions().await.unwrap();
    let peer = sessions.iter().find(|s| s.id == session_id).unwrap();
    assert_eq!(
        (
            peer.device_name.as_str(),
            peer.os.as_str(),
            peer.app_version.as_str()
        ),
        ("anna-laptop", "Linux", "0.1.0")
    );
    assert_eq!(peer.address.as_deref(), Some("203.0.113.7"));
}

/// Signs out and types five wrong passwords: the next try must wait 1 s.
async fn five_wrong_passwords(device: &Device) {
    device.me().await.unwrap().end_all_sessions().await.unwrap();
    for _ in 0..5 {
        assert_eq!(
            code(
                device
                    .accounts
                    .sign_in("Wrong-pass-1".into(), laptop())
                    .await
            ),
            ErrorCode::PasswordWrong
        );
    }
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 1_000);
}

const HOURS: i64 = 3_600_000;

#[tokio::test]
async fn a_clock_set_back_never_makes_a_wait_longer_than_its_period() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    five_wrong_passwords(&device).await;

    // Dual boot: the other OS kept local time, and this one comes back three hours early.
    device.clock.set_wall(T0 - 3 * HOURS);
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 1_000);
    device.clock.advance(999);
    assert!(device.accounts.throttle_wait_ms().await.unwrap() > 0);
    device.clock.advance(1);
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 0);
    device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .expect("one period after the failure, whatever the wall clock says");
}

#[tokio::test]
async fn within_a_run_the_wait_follows_the_monotonic_clock() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    five_wrong_passwords(&device).await;
    device.clock.advance(400);

    // Setting the clock forward does not end the wait early, nor back make it longer.
    device.clock.set_wall(T0 + 5 * HOURS);
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 600);
    assert_eq!(
        code(device.accounts.sign_in(FIRST.into(), laptop()).await),
        ErrorCode::PasswordThrottled
    );
    device.clock.set_wall(T0 - 5 * HOURS);
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 600);
    device.clock.advance(600);
    device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .unwrap();
}

#[tokio::test]
async fn after_a_restart_with_the_clock_set_back_the_wait_ends_within_its_period() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    five_wrong_passwords(&device).await;
    let (path, clock) = (device.path.clone(), device.clock.clone());
    device.profiles.close().await;

    // A new store on the same file, with the clock hours behind the stored failure: the
    // throttle is still there, for one period at most.
    clock.set_wall(T0 - 7 * HOURS);
    let device = open_at(path.clone(), clock.clone(), 9).await;
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 1_000);
    clock.advance(500);
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 500);
    device.profiles.close().await;

    // Restarted again mid-wait: the failure now counts from when it was first seen.
    let device = open_at(path, clock.clone(), 10).await;
    assert_eq!(device.accounts.throttle_wait_ms().await.unwrap(), 500);
    clock.advance(500);
    device
        .accounts
        .sign_in(FIRST.into(), laptop())
        .await
        .unwrap();
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn no_plain_password_reaches_the_database_file_or_its_wal() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    device
        .accounts
        .sign_in(FIRST.into(), phone())
        .await
        .unwrap();
    device
        .me()
        .await
        .unwrap()
        .change_password(FIRST.into(), SECOND.into())
        .await
        .unwrap();
    let _ = device
        .me()
        .await
        .unwrap()
        .change_password(FIRST.into(), SECOND.into())
        .await;
    device.me().await.unwrap().end_all_sessions().await.unwrap();
    let _ = device.accounts.sign_in(FIRST.into(), laptop()).await;
    device
        .accounts
        .sign_in(SECOND.into(), laptop())
        .await
        .unwrap();

    // Before any checkpoint, most of it sits in the -wal file.
    let db = std::fs::read(&device.path).unwrap();
    let wal = std::fs::read(device.path.with_extension("sqlite3-wal")).unwrap();
    assert!(
        contains(&wal, "password.change"),
        "the scenario is in the WAL"
    );
    for file in [&db, &wal] {
        assert!(!contains(file, FIRST));
        assert!(!contains(file, SECOND));
    }
    for entry in device.profiles.pending().await.unwrap() {
        let payload = serde_json::to_string(&entry.mutation).unwrap();
        assert!(!payload.contains(FIRST) && !payload.contains(SECOND));
    }
    // And after checkpointing into the main file (explicitly: closing the pool finishes
    // its connections in the background, so the close alone does not promise a checkpoint).
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(device.profiles.database().pool())
        .await
        .unwrap();
    let db = std::fs::read(&device.path).unwrap();
    assert!(contains(&db, "$argon2id$"), "the hashes are in the file");
    assert!(!contains(&db, FIRST) && !contains(&db, SECOND));
}
