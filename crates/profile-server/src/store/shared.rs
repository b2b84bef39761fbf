//! The SQL both backends run, and the [`Store`](super::Store) methods written once for both.
//!
//! The methods are a macro rather than generic code: sqlx's generic bounds over a database
//! would outweigh the queries. Each backend supplies `pool`, `begin_write` and the three
//! lock statements (`LOCK_SESSION`, `LOCK_USER_SESSIONS`, `LOCK_USER`); locks are taken
//! session(s) first, then the user, always, so two writers never wait on each other in a
//! circle.

/// The columns of [`User`](super::User), in its field order.
pub(super) const USER_COLUMNS: &str = "id, email, name, language, time_zone, organization, \
    phone, avatar_sha256, password_hash, password_version, is_admin, disabled_at, version, \
    created_at, updated_at";

pub(super) const INSERT_USER: &str = "INSERT INTO users (id, email, email_key, name, \
    password_hash, password_version, is_admin, version, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, 1, $6, 1, $7, $7)";

pub(super) const USER_ID_BY_EMAIL_KEY: &str = "SELECT id FROM users WHERE email_key = $1";

pub(super) const LIST_USERS: &str = "SELECT u.id, u.email, u.name, u.is_admin, u.disabled_at, \
    (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL) \
    AS active_sessions FROM users u ORDER BY u.created_at, u.id";

/// Every change to a user's synced state moves the sync cookie.
pub(super) const BUMP_USER: &str =
    "UPDATE users SET version = version + 1, updated_at = $2 WHERE id = $1";

pub(super) const DISABLE_USER: &str = "UPDATE users SET disabled_at = COALESCE(disabled_at, $2), \
    version = version + 1, updated_at = $2 WHERE id = $1";

pub(super) const SET_PASSWORD: &str = "UPDATE users SET password_hash = $2, \
    password_version = password_version + 1, version = version + 1, updated_at = $3 \
    WHERE id = $1";

pub(super) const GRANT_ADMIN: &str =
    "UPDATE users SET is_admin = 1, version = version + 1, updated_at = $2 WHERE id = $1";

/// Ends every active session of user `$1` but `$4` (pass '' to keep none).
pub(super) const END_USER_SESSIONS: &str = "UPDATE sessions SET ended_at = $2, end_reason = $3 \
    WHERE user_id = $1 AND id <> $4 AND ended_at IS NULL";

pub(super) const FAILURES: &str = "SELECT failures, last_failure_at FROM sign_in_failures \
    WHERE scope = $1 AND key = $2 AND last_failure_at >= $3";

pub(super) const RECORD_FAILURE: &str = "INSERT INTO sign_in_failures \
    (scope, key, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
    ON CONFLICT (scope, key) DO UPDATE SET \
    failures = CASE WHEN sign_in_failures.last_failure_at < $4 THEN 1 \
    ELSE sign_in_failures.failures + 1 END, last_failure_at = $3";

pub(super) const CLEAR_FAILURES: &str =
    "DELETE FROM sign_in_failures WHERE scope = $1 AND key = $2";

pub(super) const INSERT_SESSION: &str = "INSERT INTO sessions (id, user_id, secret_hash, \
    device_name, os, app_version, address, started_at, last_active_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

pub(super) const SESSION_BY_SECRET_HASH: &str =
    "SELECT id, user_id, last_active_at, ended_at FROM sessions WHERE secret_hash = $1";

pub(super) const SESSIONS_OF: &str = "SELECT id, device_name, os, app_version, address, \
    started_at, last_active_at, ended_at, end_reason, last_seq FROM sessions \
    WHERE user_id = $1 ORDER BY started_at DESC, id DESC";

pub(super) const TOUCH_SESSION: &str = "UPDATE sessions SET last_active_at = $2 \
    WHERE id = $1 AND ended_at IS NULL AND last_active_at < $3";

pub(super) const END_SESSION: &str =
    "UPDATE sessions SET ended_at = $2, end_reason = $3 WHERE id = $1";

/// Implements [`Store`](super::Store) for a backend type (see the module comment).
macro_rules! impl_store {
    ($store:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
                let done = sqlx::query(shared::INSERT_USER)
                    .bind(&user.id)
                    .bind(&user.email)
                    .bind(super::email_key(&user.email))
                    .bind(&user.name)
                    .bind(&user.password_hash)
                    .bind(super::flag(user.is_admin))
                    .bind(user.now)
                    .execute(&self.pool)
                    .await;
                match done {
                    Ok(_) => Ok(()),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        Err(StoreError::UserExists)
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>, StoreError> {
                let sql = format!(
                    "SELECT {} FROM users WHERE email_key = $1",
                    shared::USER_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(email_key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
                let sql = format!("SELECT {} FROM users WHERE id = $1", shared::USER_COLUMNS);
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn list_users(&self) -> Result<Vec<UserListing>, StoreError> {
                Ok(sqlx::query_as(shared::LIST_USERS)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn disable_user(&self, email_key: &str, now: i64) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let id = Self::lock_user_and_sessions(&mut tx, email_key).await?;
                sqlx::query(shared::DISABLE_USER)
                    .bind(&id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::END_USER_SESSIONS)
                    .bind(&id)
                    .bind(now)
                    .bind(EndReason::Disabled.as_str())
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn reset_password(
                &self,
                email_key: &str,
                new_hash: &str,
                now: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let id = Self::lock_user_and_sessions(&mut tx, email_key).await?;
                sqlx::query(shared::SET_PASSWORD)
                    .bind(&id)
                    .bind(new_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::END_USER_SESSIONS)
                    .bind(&id)
                    .bind(now)
                    .bind(EndReason::PasswordChanged.as_str())
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn grant_admin(&self, email_key: &str, now: i64) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let id = Self::lock_user_and_sessions(&mut tx, email_key).await?;
                sqlx::query(shared::GRANT_ADMIN)
                    .bind(&id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn failures(
                &self,
                key: &ThrottleKey,
                since: i64,
            ) -> Result<FailureCount, StoreError> {
                let row: Option<(i64, i64)> = sqlx::query_as(shared::FAILURES)
                    .bind(key.scope())
                    .bind(key.key())
                    .bind(since)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(
                    row.map_or_else(FailureCount::default, |(failures, at)| FailureCount {
                        failures,
                        last_failure_at: Some(at),
                    }),
                )
            }

            async fn record_failure(
                &self,
                keys: &[ThrottleKey],
                now: i64,
                since: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                for key in keys {
                    sqlx::query(shared::RECORD_FAILURE)
                        .bind(key.scope())
                        .bind(key.key())
                        .bind(now)
                        .bind(since)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn clear_failures(&self, key: &ThrottleKey) -> Result<(), StoreError> {
                sqlx::query(shared::CLEAR_FAILURES)
                    .bind(key.scope())
                    .bind(key.key())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn start_session(&self, session: &NewSession) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let user: Option<(i64, Option<i64>)> = sqlx::query_as(Self::LOCK_USER)
                    .bind(&session.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if !matches!(user, Some((_, None))) {
                    return Err(StoreError::UserNotFound);
                }
                sqlx::query(shared::INSERT_SESSION)
                    .bind(&session.id)
                    .bind(&session.user_id)
                    .bind(&session.secret_hash)
                    .bind(&session.device_name)
                    .bind(&session.os)
                    .bind(&session.app_version)
                    .bind(&session.address)
                    .bind(session.now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::BUMP_USER)
                    .bind(&session.user_id)
                    .bind(session.now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_by_secret_hash(
                &self,
                secret_hash: &str,
            ) -> Result<Option<SessionAuth>, StoreError> {
                Ok(sqlx::query_as(shared::SESSION_BY_SECRET_HASH)
                    .bind(secret_hash)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn sessions_of(&self, user_id: &str) -> Result<Vec<SessionRecord>, StoreError> {
                Ok(sqlx::query_as(shared::SESSIONS_OF)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn touch_session(
                &self,
                id: &str,
                now: i64,
                stale_before: i64,
            ) -> Result<(), StoreError> {
                // No cookie bump: when a device was last seen is not worth a sync round.
                sqlx::query(shared::TOUCH_SESSION)
                    .bind(id)
                    .bind(now)
                    .bind(stale_before)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn end_session(
                &self,
                id: &str,
                reason: EndReason,
                now: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let user_id = Self::lock_active_session(&mut tx, id).await?;
                sqlx::query(Self::LOCK_USER)
                    .bind(&user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(shared::END_SESSION)
                    .bind(id)
                    .bind(now)
                    .bind(reason.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::BUMP_USER)
                    .bind(&user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn change_password(&self, change: &PasswordChange) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let owner = Self::lock_active_session(&mut tx, &change.keep_session_id).await?;
                if owner != change.user_id {
                    return Err(StoreError::SessionEnded);
                }
                let user: Option<(i64, Option<i64>)> = sqlx::query_as(Self::LOCK_USER)
                    .bind(&change.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match user {
                    Some((version, None)) if version == change.expected_version => {}
                    Some((_, None)) => return Err(StoreError::PasswordVersionChanged),
                    _ => return Err(StoreError::SessionEnded),
                }
                sqlx::query(shared::SET_PASSWORD)
                    .bind(&change.user_id)
                    .bind(&change.new_hash)
                    .bind(change.now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::END_USER_SESSIONS)
                    .bind(&change.user_id)
                    .bind(change.now)
                    .bind(EndReason::PasswordChanged.as_str())
                    .bind(&change.keep_session_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }

        impl $store {
            /// Locks the active session `id` (first, by the lock order); returns its user.
            async fn lock_active_session(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                id: &str,
            ) -> Result<String, StoreError> {
                let row: Option<(String, Option<i64>)> = sqlx::query_as(Self::LOCK_SESSION)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                match row {
                    Some((user_id, None)) => Ok(user_id),
                    _ => Err(StoreError::SessionEnded),
                }
            }

            /// Locks the active sessions of the user with `email_key`, then the user; returns
            /// the user's id.
            async fn lock_user_and_sessions(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                email_key: &str,
            ) -> Result<String, StoreError> {
                let id: String = sqlx::query_scalar(shared::USER_ID_BY_EMAIL_KEY)
                    .bind(email_key)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(StoreError::UserNotFound)?;
                sqlx::query(Self::LOCK_USER_SESSIONS)
                    .bind(&id)
                    .fetch_all(&mut **tx)
                    .await?;
                sqlx::query(Self::LOCK_USER)
                    .bind(&id)
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(id)
            }
        }
    };
}

pub(super) use impl_store;

/// The sqlx database type a store type runs on (lets the macro name its transactions).
pub(super) trait BackendTypes {
    /// The sqlx database.
    type Db: sqlx::Database;
}
