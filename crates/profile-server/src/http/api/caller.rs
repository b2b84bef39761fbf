//! Who calls the public API: `Authorization: Bearer acp_…`, checked in a fixed order so
//! every refusal is the same for the same token whatever the route.
//!
//! 0. no bearer credentials at all → 401 `auth.required` (a bare challenge, RFC 6750 §3.1);
//! 1. shape and checksum (no lookup for a mistyped token) → 401 `token.malformed`;
//! 2. lookup by SHA-256: unknown, or of a disabled user → 401 `token.invalid`;
//! 3. revoked / expired on the server's clock → 401 `token.revoked` / `token.expired`;
//! 4. the token's rate → 429 `request.rate_limited` with `Retry-After`;
//! 5. scope: a read token on anything but GET/HEAD → 403 `token.scope_insufficient`.
//!
//! Its last use is noted at most once a minute per token.

use crate::domain::ErrorCode;
use crate::error::ServerError;
use crate::http::{AppState, ClientAddress};
use crate::store::TokenUse;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use profile_domain::state::{ProfileRecord, TokenRecord};
use profile_domain::token::{ApiToken, Withdrawal};

/// How often at most a token's last use is written.
pub const NOTE_USE_INTERVAL_MS: i64 = 60_000;

/// The personal token a public API request was made with, and its user.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The token, as stored.
    pub token: TokenRecord,
    /// Its user.
    pub user_id: String,
    /// The user's profile, read with the token.
    pub profile: ProfileRecord,
    /// Whether the user is an administrator.
    pub is_admin: bool,
}

fn refused(code: ErrorCode) -> ServerError {
    ServerError::TokenRefused(code)
}

/// Authenticates a public API request (see the module comment) and hands the handler an
/// [`ApiCaller`].
pub async fn authenticate(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    mut req: Request,
    next: Next,
) -> Result<Response, ServerError> {
    let text = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(refused(ErrorCode::AuthRequired))?;
    let token = ApiToken::parse(text).map_err(|_| refused(ErrorCode::TokenMalformed))?;
    let found = state
        .store()
        .token_by_hash(&token.sha256_hex())
        .await?
        .filter(|found| found.user_disabled_at.is_none())
        .ok_or(refused(ErrorCode::TokenInvalid))?;
    let now = state.now();
    match found.token.withdrawn(now) {
        Some((Withdrawal::Revoked, _)) => return Err(refused(ErrorCode::TokenRevoked)),
        Some((Withdrawal::Expired, _)) => return Err(refused(ErrorCode::TokenExpired)),
        None => {}
    }
    state
        .api_rate()
        .check(found.token.id)
        .map_err(|retry_after_ms| ServerError::RateLimited { retry_after_ms })?;
    if !found.token.scope.allows_method(req.method().as_str()) {
        return Err(ServerError::ScopeInsufficient);
    }
    let stale = found
        .token
        .last_used_at
        .is_none_or(|at| now - at >= NOTE_USE_INTERVAL_MS);
    if stale {
        let noted = state
            .store()
            .note_token_use(&TokenUse {
                token_id: found.token.id.to_string(),
                user_id: found.user_id.clone(),
                address: address.map(|a| a.to_string()),
                now,
                stale_before: now - NOTE_USE_INTERVAL_MS + 1,
            })
            .await;
        // Noting the use is bookkeeping: a failure is logged, the request still served.
        if let Err(err) = noted {
            tracing::warn!(error = ?err, "a token's last use was not noted");
        }
    }
    req.extensions_mut().insert(ApiCaller {
        token: found.token,
        user_id: found.user_id,
        profile: found.profile,
        is_admin: found.user_is_admin,
    });
    Ok(next.run(req).await)
}
