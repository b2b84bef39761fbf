//! `GET /api/v1/notification-contacts` (the caller's own enabled contacts) and
//! `GET /api/v1/mailing-lists` (a workgroup's contacts on one channel, for an
//! administrator's token only: an ordinary user never reads another's contacts).

use super::caller::ApiCaller;
use super::ApiError;
use crate::domain::{ErrorCode, ValidationError};
use crate::error::ServerError;
use crate::http::AppState;
use crate::store::email_key;
use axum::extract::{RawQuery, State};
use axum::{Extension, Json};
use profile_domain::channel::Catalog;
use profile_domain::state::ContactRecord;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The most users one mailing-list request may name.
pub const MAX_LIST_USERS: usize = 500;

/// One way to reach the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationContact {
    /// Its id.
    pub id: Uuid,
    /// The channel's id, e.g. `email` or `telegram`.
    pub channel: String,
    /// The contact in that channel, e.g. an address or a chat id.
    pub value: String,
    /// Whether it is the user's preferred contact in that channel.
    pub preferred: bool,
}

fn listed(c: ContactRecord) -> NotificationContact {
    NotificationContact {
        id: c.id,
        channel: c.channel,
        value: c.value,
        preferred: c.preferred,
    }
}

/// Sorts contacts as the catalog orders its channels, each channel's preferred first.
fn in_catalog_order(catalog: &Catalog, contacts: &mut [ContactRecord]) {
    let place = |id: &str| {
        catalog
            .channels
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    contacts.sort_by(|a, b| {
        (
            place(&a.channel),
            &a.channel,
            !a.preferred,
            a.created_at,
            a.id,
        )
            .cmp(&(
                place(&b.channel),
                &b.channel,
                !b.preferred,
                b.created_at,
                b.id,
            ))
    });
}

/// Lists the user's enabled notification contacts.
#[utoipa::path(
    get,
    path = "/api/v1/notification-contacts",
    tag = "notifications",
    responses(
        (status = 200, description = "Enabled contacts in the catalog's channel order, preferred first per channel", body = [NotificationContact]),
        (status = 401, description = "Malformed, unknown, revoked or expired token", body = ApiError),
        (status = 429, description = "Too many requests with this token", body = ApiError),
    ),
    security(("personal_token" = ["read"]))
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> Result<Json<Vec<NotificationContact>>, ServerError> {
    let store = state.store();
    let mut contacts: Vec<_> = store
        .contacts_of(&caller.user_id)
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .collect();
    in_catalog_order(&store.catalog().await?, &mut contacts);
    Ok(Json(contacts.into_iter().map(listed).collect()))
}

/// The mailing-list query.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MailingListQuery {
    /// The channel's id, e.g. `email`.
    pub channel: String,
    /// Comma-separated user ids or e-mail addresses (at most 500).
    pub users: String,
}

impl MailingListQuery {
    /// Reads `channel` and `users` from a query string; a missing one is empty.
    fn parse(query: Option<&str>) -> Self {
        let mut parsed = Self {
            channel: String::new(),
            users: String::new(),
        };
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "channel" => parsed.channel = value.into_owned(),
                "users" => parsed.users = value.into_owned(),
                _ => {}
            }
        }
        parsed
    }
}

/// One contact of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedContact {
    /// The user's id.
    pub user_id: String,
    /// The user's e-mail (sign-in name).
    pub user_email: String,
    /// The contact on the channel.
    pub value: String,
    /// Whether it is the user's preferred contact on the channel.
    pub preferred: bool,
}

/// A workgroup's contacts on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingList {
    /// The channel.
    pub channel: String,
    /// Enabled contacts, user by user in the order asked, each user's preferred first.
    pub contacts: Vec<ListedContact>,
    /// Users found who have no enabled contact on the channel (they will not be reached).
    pub unreachable: Vec<String>,
    /// Names in `users` that are no active user.
    pub unknown: Vec<String>,
}

fn invalid(code: ErrorCode, field: &'static str) -> ServerError {
    ServerError::Invalid(ValidationError::new(code, field))
}

/// Turns a set of users into their enabled contacts on one channel (administrators only).
#[utoipa::path(
    get,
    path = "/api/v1/mailing-lists",
    tag = "notifications",
    params(MailingListQuery),
    responses(
        (status = 200, description = "The channel's enabled contacts of the users named", body = MailingList),
        (status = 422, description = "No such channel, or no or too many users (`field` says which)", body = ApiError),
        (status = 401, description = "Malformed, unknown, revoked or expired token", body = ApiError),
        (status = 403, description = "The token's user is not an administrator", body = ApiError),
        (status = 429, description = "Too many requests with this token", body = ApiError),
    ),
    security(("personal_token" = ["read"]))
)]
pub async fn mailing_list(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    RawQuery(query): RawQuery,
) -> Result<Json<MailingList>, ServerError> {
    if !caller.is_admin {
        return Err(ServerError::AdminRequired);
    }
    let MailingListQuery { channel, users } = MailingListQuery::parse(query.as_deref());
    let store = state.store();
    if store.catalog().await?.channel(&channel).is_none() {
        return Err(invalid(ErrorCode::ContactChannelUnknown, "channel"));
    }
    let names: Vec<String> = users
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() || names.len() > MAX_LIST_USERS {
        return Err(ServerError::Invalid(
            ValidationError::new(ErrorCode::RequestInvalid, "users").with("max", MAX_LIST_USERS),
        ));
    }
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let user = if name.contains('@') {
            store.user_by_email_key(&email_key(&name)).await?
        } else {
            store.user_by_id(&name).await?
        };
        match user.filter(|u| u.disabled_at.is_none()) {
            Some(u) if !ids.contains(&u.id) => ids.push(u.id),
            Some(_) => {}
            None => unknown.push(name),
        }
    }
    let found = store.mailing_list(&channel, &ids).await?;
    let unreachable = ids
        .iter()
        .filter(|id| !found.iter().any(|f| &f.user_id == *id))
        .cloned()
        .collect();
    let contacts = found
        .into_iter()
        .map(|f| ListedContact {
            user_id: f.user_id,
            user_email: f.email,
            value: f.contact.value,
            preferred: f.contact.preferred,
        })
        .collect();
    Ok(Json(MailingList {
        channel,
        contacts,
        unreachable,
        unknown,
    }))
}
