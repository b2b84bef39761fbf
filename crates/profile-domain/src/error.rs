//! Error codes and refusals (DESIGN.md §5): a stable dotted code, the input field at fault,
//! and values the translated message interpolates.
//!
//! Each code, its dotted form and its English fallback are written once, on its variant;
//! the list of codes, parsing and printing are derived from that.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use strum::{EnumMessage, IntoEnumIterator};

/// The stable code of an error, as the UI and the wire see it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumMessage,
)]
pub enum ErrorCode {
    /// The name is empty after trimming.
    #[strum(serialize = "profile.name_required", message = "Enter your name.")]
    ProfileNameRequired,
    /// The name has more characters than allowed.
    #[strum(serialize = "profile.name_too_long", message = "The name is too long.")]
    ProfileNameTooLong,
    /// The name contains control characters such as line breaks.
    #[strum(
        serialize = "profile.name_invalid",
        message = "The name cannot contain line breaks or control characters."
    )]
    ProfileNameInvalid,
    /// The name contains an invisible format character such as a bidi override.
    #[strum(
        serialize = "profile.name_invisible_chars",
        message = "The name contains an invisible character, such as a text-direction mark. Type the name again without it."
    )]
    ProfileNameInvisibleChars,
    /// The e-mail address is malformed.
    #[strum(
        serialize = "profile.email_invalid",
        message = "Enter an e-mail address like name@example.com."
    )]
    ProfileEmailInvalid,
    /// The e-mail address is too long.
    #[strum(
        serialize = "profile.email_too_long",
        message = "The e-mail address is too long."
    )]
    ProfileEmailTooLong,
    /// The organization is too long.
    #[strum(
        serialize = "profile.organization_too_long",
        message = "The organization name is too long."
    )]
    ProfileOrganizationTooLong,
    /// The organization contains control characters.
    #[strum(
        serialize = "profile.organization_invalid",
        message = "The organization cannot contain line breaks or control characters."
    )]
    ProfileOrganizationInvalid,
    /// The organization contains an invisible format character such as a bidi override.
    #[strum(
        serialize = "profile.organization_invisible_chars",
        message = "The organization contains an invisible character, such as a text-direction mark. Type it again without it."
    )]
    ProfileOrganizationInvisibleChars,
    /// The phone number is not a possible number.
    #[strum(
        serialize = "profile.phone_invalid",
        message = "This is not a valid phone number."
    )]
    ProfilePhoneInvalid,
    /// The phone number has no country code.
    #[strum(
        serialize = "profile.phone_needs_country_code",
        message = "Add the country code, e.g. +7 912 345-67-89."
    )]
    ProfilePhoneNeedsCountryCode,
    /// The interface language is not one the app offers.
    #[strum(
        serialize = "profile.language_unsupported",
        message = "This interface language is not available."
    )]
    ProfileLanguageUnsupported,
    /// The time zone is not one of the catalogue's IANA zones.
    #[strum(
        serialize = "profile.time_zone_invalid",
        message = "This time zone is not available."
    )]
    ProfileTimeZoneInvalid,
    /// There is no profile on this device yet.
    #[strum(
        serialize = "profile.missing",
        message = "There is no profile on this device yet."
    )]
    ProfileMissing,
    /// The chosen avatar file is larger than allowed.
    #[strum(
        serialize = "avatar.too_large",
        message = "The file is too large: at most 5 MB."
    )]
    AvatarTooLarge,
    /// The chosen avatar file could not be read (gone, no permission).
    #[strum(
        serialize = "avatar.unreadable",
        message = "The file could not be read."
    )]
    AvatarUnreadable,
    /// The chosen avatar path is a folder, a pipe or a device, not a file.
    #[strum(
        serialize = "avatar.not_a_file",
        message = "Choose a picture file, not a folder, a pipe or a device."
    )]
    AvatarNotAFile,
    /// The avatar file is not a JPEG, PNG, WebP or GIF image.
    #[strum(
        serialize = "avatar.unsupported_format",
        message = "Choose a JPEG, PNG, WebP or GIF image."
    )]
    AvatarUnsupportedFormat,
    /// The avatar file is damaged or truncated.
    #[strum(
        serialize = "avatar.corrupt",
        message = "The image is damaged and cannot be opened."
    )]
    AvatarCorrupt,
    /// The avatar image is too large in pixels.
    #[strum(
        serialize = "avatar.dimensions_too_large",
        message = "The image has too many pixels."
    )]
    AvatarDimensionsTooLarge,
    /// Decoding the avatar image would take too much memory or work (huge progressive JPEG,
    /// thousands of scans, a GIF frame far larger than its canvas, 16-bit near the limit).
    #[strum(
        serialize = "avatar.too_complex",
        message = "The image is too complex to open. Choose another picture."
    )]
    AvatarTooComplex,
    /// The avatar work was cancelled (the dialog was closed); the UI shows nothing.
    #[strum(serialize = "avatar.cancelled", message = "Cancelled.")]
    AvatarCancelled,
    /// The crop square is empty or not inside the image.
    #[strum(
        serialize = "avatar.crop_invalid",
        message = "The selected square is outside the image."
    )]
    AvatarCropInvalid,
    /// A crop was asked for before any picture was chosen.
    #[strum(serialize = "avatar.not_chosen", message = "Choose a picture first.")]
    AvatarNotChosen,
    /// The password has fewer characters than allowed.
    #[strum(
        serialize = "password.too_short",
        message = "The new password is too short."
    )]
    PasswordTooShort,
    /// The password has more characters than allowed.
    #[strum(
        serialize = "password.too_long",
        message = "The new password is too long."
    )]
    PasswordTooLong,
    /// The password has no digit.
    #[strum(
        serialize = "password.needs_digit",
        message = "The password needs at least one digit."
    )]
    PasswordNeedsDigit,
    /// The password has no uppercase Latin or Russian letter.
    #[strum(
        serialize = "password.needs_upper",
        message = "The password needs an uppercase Latin or Russian letter."
    )]
    PasswordNeedsUpper,
    /// The password has no lowercase Latin or Russian letter.
    #[strum(
        serialize = "password.needs_lower",
        message = "The password needs a lowercase Latin or Russian letter."
    )]
    PasswordNeedsLower,
    /// The password is among the most common ones.
    #[strum(
        serialize = "password.too_common",
        message = "This password is among the most common ones. Choose another."
    )]
    PasswordTooCommon,
    /// The new password equals the current one.
    #[strum(
        serialize = "password.same_as_current",
        message = "The new password must differ from the current one."
    )]
    PasswordSameAsCurrent,
    /// The password and its confirmation differ.
    #[strum(
        serialize = "password.mismatch",
        message = "The two passwords differ. Type the same password twice."
    )]
    PasswordMismatch,
    /// The current password given does not match.
    #[strum(
        serialize = "password.current_wrong",
        message = "The current password is wrong."
    )]
    PasswordCurrentWrong,
    /// The sign-in password does not match.
    #[strum(serialize = "password.wrong", message = "The password is wrong.")]
    PasswordWrong,
    /// Too many wrong passwords in a row; the next try must wait.
    #[strum(
        serialize = "password.throttled",
        message = "Too many wrong passwords. Try again in a moment."
    )]
    PasswordThrottled,
    /// The password changed since this change was made (stale version).
    #[strum(
        serialize = "password.changed_elsewhere",
        message = "The password was changed elsewhere. Sign in with the new password."
    )]
    PasswordChangedElsewhere,
    /// No session has this id.
    #[strum(
        serialize = "session.not_found",
        message = "This session does not exist."
    )]
    SessionNotFound,
    /// Nobody is signed in on this device.
    #[strum(
        serialize = "account.signed_out",
        message = "You are signed out. Sign in to continue."
    )]
    AccountSignedOut,
    /// A local account already exists on this device.
    #[strum(
        serialize = "account.exists",
        message = "This device already has an account."
    )]
    AccountExists,
    /// No local account (password) exists on this device.
    #[strum(
        serialize = "account.missing",
        message = "There is no account on this device yet."
    )]
    AccountMissing,
    /// A change a device may not make: only a server makes profiles, first passwords and
    /// sessions of server accounts.
    #[strum(
        serialize = "mutation.not_allowed",
        message = "This change cannot be made from this device."
    )]
    MutationNotAllowed,
    /// A command was called with a missing argument or one of the wrong shape.
    #[strum(
        serialize = "request.invalid",
        message = "The app sent a request it could not read. Please try again."
    )]
    RequestInvalid,
    /// Another process holds the local store locked.
    #[strum(
        serialize = "store.locked",
        message = "The profile database is in use by another program."
    )]
    StoreLocked,
    /// Another process held the local store while a change was being saved: not saved.
    #[strum(
        serialize = "store.busy",
        message = "The profile database is in use by another program, so this change was not saved. Try again in a moment."
    )]
    StoreBusy,
    /// The local store's file is damaged or not a database.
    #[strum(
        serialize = "store.corrupt",
        message = "The profile database is damaged or is not a database."
    )]
    StoreCorrupt,
    /// The local store was made by a newer version of the app.
    #[strum(
        serialize = "store.newer_version",
        message = "The profile database was made by a newer version of the app."
    )]
    StoreNewerVersion,
    /// The local store's file or folder may not be read or written.
    #[strum(
        serialize = "store.permission_denied",
        message = "The app may not read or write the profile database."
    )]
    StorePermissionDenied,
    /// The local store could not be opened for another reason.
    #[strum(
        serialize = "store.unavailable",
        message = "The profile database could not be opened."
    )]
    StoreUnavailable,
    /// Anything the user cannot act on; details are in the log only.
    #[strum(
        serialize = "internal",
        message = "Something went wrong. Please try again."
    )]
    Internal,
    // Server: sign-in, sessions, requests, administration, protocol.
    /// The e-mail address or the password is wrong, or the account is disabled.
    #[strum(
        serialize = "auth.invalid_credentials",
        message = "The e-mail or the password is wrong, or the account is disabled."
    )]
    AuthInvalidCredentials,
    /// Too many tries; the next one must wait.
    #[strum(
        serialize = "auth.throttled",
        message = "Too many tries. Try again in a moment."
    )]
    AuthThrottled,
    /// The request carries no valid session secret.
    #[strum(serialize = "auth.required", message = "Sign in to continue.")]
    AuthRequired,
    /// The session has ended (signed out, ended elsewhere, or by a password change).
    #[strum(
        serialize = "session.revoked",
        message = "This session has ended. Sign in again."
    )]
    SessionRevoked,
    /// The request body is larger than the server accepts.
    #[strum(serialize = "request.too_large", message = "The request is too large.")]
    RequestTooLarge,
    /// The request body is not JSON (`Content-Type: application/json`).
    #[strum(
        serialize = "request.unsupported_media_type",
        message = "The request must be sent as JSON."
    )]
    RequestUnsupportedMediaType,
    /// No endpoint has this path.
    #[strum(
        serialize = "request.not_found",
        message = "This address does not exist on the server."
    )]
    RequestNotFound,
    /// The endpoint does not take this HTTP method.
    #[strum(
        serialize = "request.method_not_allowed",
        message = "This endpoint does not take this method."
    )]
    RequestMethodNotAllowed,
    /// The request took longer than the server allows.
    #[strum(
        serialize = "request.timeout",
        message = "The request took too long. Please try again."
    )]
    RequestTimeout,
    /// A user with this e-mail address already exists.
    #[strum(
        serialize = "user.exists",
        message = "A user with this e-mail address already exists."
    )]
    UserExists,
    /// No user has this e-mail address.
    #[strum(
        serialize = "user.not_found",
        message = "No user has this e-mail address."
    )]
    UserNotFound,
    /// The device is not linked to a server, so there is nothing to sync with.
    #[strum(
        serialize = "sync.not_linked",
        message = "This profile is not linked to a server."
    )]
    SyncNotLinked,
    /// The server cannot be reached; changes stay queued and are sent later.
    #[strum(
        serialize = "sync.offline",
        message = "The server cannot be reached. Your changes are kept and sent later."
    )]
    SyncOffline,
    /// The request names a protocol version this server does not speak.
    #[strum(
        serialize = "sync.protocol_mismatch",
        message = "This app version cannot talk to the server. Update the app."
    )]
    SyncProtocolMismatch,
    // The app on a server.
    /// The server address is not a web address.
    #[strum(
        serialize = "server.address_invalid",
        message = "Enter the server's address, e.g. https://profile.example.com."
    )]
    ServerAddressInvalid,
    /// A plain `http://` address of another machine: the password would travel unencrypted.
    #[strum(
        serialize = "server.insecure",
        message = "Use an https:// address: a password must not travel unencrypted."
    )]
    ServerInsecure,
    /// Nothing answered at the address.
    #[strum(
        serialize = "server.unreachable",
        message = "The server cannot be reached. Check the address and your connection."
    )]
    ServerUnreachable,
    /// Something answered, but not as an Acure Profile server does.
    #[strum(
        serialize = "server.not_acure",
        message = "This address does not answer like an Acure Profile server."
    )]
    ServerNotAcure,
    /// Signing in to another account would drop the previous account's unsent changes.
    #[strum(
        serialize = "server.other_account_unsent",
        message = "This device keeps changes of another account that wait for a decision. Sign in with that account to see them, or agree to drop them."
    )]
    ServerOtherAccountUnsent,
    /// The password of a server account changes on the server only.
    #[strum(
        serialize = "password.needs_connection",
        message = "Changing the password needs a connection to the server. Try again when online."
    )]
    PasswordNeedsConnection,
    /// The e-mail address of a server account is its sign-in name.
    #[strum(
        serialize = "profile.email_managed_by_server",
        message = "The e-mail address is your sign-in name on the server and cannot be changed here."
    )]
    ProfileEmailManagedByServer,
    /// The change to re-submit or drop is no longer there.
    #[strum(
        serialize = "sync.change_not_found",
        message = "This change is no longer there."
    )]
    SyncChangeNotFound,
    // Personal API tokens: issuing and managing them.
    /// The token's description is too long.
    #[strum(
        serialize = "token.description_too_long",
        message = "The description is too long."
    )]
    TokenDescriptionTooLong,
    /// The token's description contains control characters such as line breaks.
    #[strum(
        serialize = "token.description_invalid",
        message = "The description cannot contain line breaks or control characters."
    )]
    TokenDescriptionInvalid,
    /// The token's description contains an invisible format character.
    #[strum(
        serialize = "token.description_invisible_chars",
        message = "The description contains an invisible character, such as a text-direction mark. Type it again without it."
    )]
    TokenDescriptionInvisibleChars,
    /// The expiry date is not a date.
    #[strum(
        serialize = "token.expiry_invalid",
        message = "Choose the date the token expires."
    )]
    TokenExpiryInvalid,
    /// The expiry date has passed (or is today's end already).
    #[strum(
        serialize = "token.expiry_past",
        message = "The expiry date must be in the future."
    )]
    TokenExpiryPast,
    /// The expiry date is further ahead than allowed.
    #[strum(
        serialize = "token.expiry_too_far",
        message = "The expiry date is too far ahead."
    )]
    TokenExpiryTooFar,
    /// No token has this id.
    #[strum(serialize = "token.not_found", message = "This token does not exist.")]
    TokenNotFound,
    /// The token was revoked or has expired, so it can no longer change.
    #[strum(
        serialize = "token.withdrawn",
        message = "This token was revoked or has expired and can no longer be changed."
    )]
    TokenWithdrawn,
    /// An active token is removed before it was revoked.
    #[strum(
        serialize = "token.still_active",
        message = "Revoke the token before removing it."
    )]
    TokenStillActive,
    /// Tokens are issued on a device linked to a server only (they open its API).
    #[strum(
        serialize = "token.needs_server",
        message = "Personal API tokens open the API of an Acure server. Connect this profile to a server first."
    )]
    TokenNeedsServer,
    /// The user has as many tokens as allowed.
    #[strum(
        serialize = "token.too_many",
        message = "You have too many tokens. Remove some you no longer use."
    )]
    TokenTooMany,
    // The public API, authenticated by personal tokens.
    /// The bearer token is not a personal token, or its checksum is wrong.
    #[strum(
        serialize = "token.malformed",
        message = "The token is not a valid Acure Profile token. Check that it was copied whole."
    )]
    TokenMalformed,
    /// No active token matches (unknown, or its user is disabled).
    #[strum(serialize = "token.invalid", message = "The token is not valid.")]
    TokenInvalid,
    /// The token was revoked.
    #[strum(serialize = "token.revoked", message = "The token was revoked.")]
    TokenRevoked,
    /// The token has expired.
    #[strum(serialize = "token.expired", message = "The token has expired.")]
    TokenExpired,
    /// A read token was used for a change.
    #[strum(
        serialize = "token.scope_insufficient",
        message = "This token may only read. Issue a token with the Write scope to make changes."
    )]
    TokenScopeInsufficient,
    /// The contact is empty.
    #[strum(
        serialize = "contact.value_required",
        message = "Enter a contact, or use Clear to remove it."
    )]
    ContactValueRequired,
    /// An e-mail contact is malformed.
    #[strum(
        serialize = "contact.email_invalid",
        message = "Enter an e-mail address like name@example.com."
    )]
    ContactEmailInvalid,
    /// An e-mail contact is too long.
    #[strum(
        serialize = "contact.email_too_long",
        message = "The e-mail address is too long."
    )]
    ContactEmailTooLong,
    /// A phone contact is not a possible number.
    #[strum(
        serialize = "contact.phone_invalid",
        message = "This is not a valid mobile number."
    )]
    ContactPhoneInvalid,
    /// A phone contact has no country code.
    #[strum(
        serialize = "contact.phone_needs_country_code",
        message = "Add the country code, e.g. +7 912 345-67-89."
    )]
    ContactPhoneNeedsCountryCode,
    /// A Telegram contact is neither a chat id nor a username.
    #[strum(
        serialize = "contact.telegram_invalid",
        message = "Enter a numeric chat id such as 123456789, or a username such as @anna_petrova."
    )]
    ContactTelegramInvalid,
    /// A Slack contact is not a member id.
    #[strum(
        serialize = "contact.slack_invalid",
        message = "Enter a Slack member ID such as U0123ABCD."
    )]
    ContactSlackInvalid,
    /// A Mattermost contact is not a username.
    #[strum(
        serialize = "contact.mattermost_invalid",
        message = "Enter a Mattermost username such as @anna.petrova."
    )]
    ContactMattermostInvalid,
    /// A Microsoft Teams contact is not an e-mail address or UPN.
    #[strum(
        serialize = "contact.upn_invalid",
        message = "Enter your Microsoft Teams sign-in address, like anna@company.com."
    )]
    ContactUpnInvalid,
    /// A URL contact is not an https address.
    #[strum(
        serialize = "contact.url_invalid",
        message = "Enter an address starting with https://."
    )]
    ContactUrlInvalid,
    /// A free-text contact is too long.
    #[strum(
        serialize = "contact.text_too_long",
        message = "The contact is too long."
    )]
    ContactTextTooLong,
    /// A contact contains control characters.
    #[strum(
        serialize = "contact.text_invalid",
        message = "The contact cannot contain line breaks or control characters."
    )]
    ContactTextInvalid,
    /// A contact contains an invisible format character.
    #[strum(
        serialize = "contact.invisible_chars",
        message = "The contact contains an invisible character, such as a text-direction mark. Type it again without it."
    )]
    ContactInvisibleChars,
    /// The channel already has this contact.
    #[strum(
        serialize = "contact.duplicate",
        message = "This contact is already in the list."
    )]
    ContactDuplicate,
    /// The channel holds no more contacts.
    #[strum(
        serialize = "contact.too_many",
        message = "This channel has as many contacts as it can hold."
    )]
    ContactTooMany,
    /// The contact does not exist (removed elsewhere: a delete wins over an edit).
    #[strum(
        serialize = "contact.not_found",
        message = "This contact was removed, perhaps on another device."
    )]
    ContactNotFound,
    /// The channel is not in the catalog.
    #[strum(
        serialize = "contact.channel_unknown",
        message = "This notification channel is not available."
    )]
    ContactChannelUnknown,
    /// The channel takes a kind of contact this build does not know (a newer server's).
    #[strum(
        serialize = "contact.kind_unsupported",
        message = "This version of the app cannot edit contacts of this channel. Update the app."
    )]
    ContactKindUnsupported,
    /// An administrator's channel definition is malformed.
    #[strum(
        serialize = "channel.invalid",
        message = "The channel definition is not valid."
    )]
    ChannelInvalid,
    /// An added channel's id is taken.
    #[strum(
        serialize = "channel.exists",
        message = "A channel with this id already exists."
    )]
    ChannelExists,
    /// No channel has this id.
    #[strum(serialize = "channel.not_found", message = "There is no such channel.")]
    ChannelNotFound,
    /// A built-in channel was asked to be removed.
    #[strum(
        serialize = "channel.built_in",
        message = "Built-in channels cannot be removed."
    )]
    ChannelBuiltIn,
    /// The contact has changes the server has not received yet.
    #[strum(
        serialize = "contact.test_not_synced",
        message = "The server does not have this contact yet. Wait for the sync, then try again."
    )]
    ContactTestNotSynced,
    /// The server has no sender for this contact's channel.
    #[strum(
        serialize = "contact.test_unavailable",
        message = "This channel cannot send test notifications."
    )]
    ContactTestUnavailable,
    /// A test notification could not reach the contact's address.
    #[strum(
        serialize = "contact.test_unreachable",
        message = "The test notification could not be delivered: the address cannot be reached."
    )]
    ContactTestUnreachable,
    /// The contact's address answered a test notification with an error.
    #[strum(
        serialize = "contact.test_refused",
        message = "The address refused the test notification."
    )]
    ContactTestRefused,
    /// A public API call only an administrator's token may make.
    #[strum(
        serialize = "api.admin_required",
        message = "Only an administrator's token may do this."
    )]
    ApiAdminRequired,
    /// Too many requests with one token; the next must wait.
    #[strum(
        serialize = "request.rate_limited",
        message = "Too many requests. Try again in a moment."
    )]
    RequestRateLimited,
}

impl ErrorCode {
    /// Every code, in declaration order (e.g. so tests can check each has a translation).
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        Self::iter()
    }

    /// The dotted code, e.g. `profile.name_required`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The English fallback message.
    pub fn english(self) -> &'static str {
        // Every variant carries a message; the test below holds each to it.
        self.get_message()
            .unwrap_or("Something went wrong. Please try again.")
    }

    /// The code written `dotted`, if it is one this build knows.
    pub fn parse(dotted: &str) -> Option<Self> {
        dotted.parse().ok()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let dotted = String::deserialize(d)?;
        Self::parse(&dotted)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {dotted:?}")))
    }
}

/// An error code as a peer sent it: one this build knows, or a newer peer's code kept as
/// written (shown with the peer's message) instead of failing to read the whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WireCode {
    /// A code of this build.
    Known(ErrorCode),
    /// A code this build does not know.
    Unknown(String),
}

impl WireCode {
    /// The code of `dotted`: known to this build or not.
    pub fn parse(dotted: String) -> Self {
        match ErrorCode::parse(&dotted) {
            Some(code) => Self::Known(code),
            None => Self::Unknown(dotted),
        }
    }

    /// The dotted code as written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(code) => code.as_str(),
            Self::Unknown(dotted) => dotted,
        }
    }

    /// The known code, if it is one.
    pub fn known(&self) -> Option<ErrorCode> {
        match self {
            Self::Known(code) => Some(*code),
            Self::Unknown(_) => None,
        }
    }
}

impl From<ErrorCode> for WireCode {
    fn from(code: ErrorCode) -> Self {
        Self::Known(code)
    }
}

impl Serialize for WireCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WireCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(String::deserialize(d)?))
    }
}

/// A refusal's message values as stored beside it: a JSON object, or `None` when empty.
pub fn stored_params(params: &Map<String, Value>) -> Option<String> {
    (!params.is_empty()).then(|| Value::Object(params.clone()).to_string())
}

/// The shape every refusal has on the wire and at the UI: `{ code, message, field?, params? }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireError {
    /// The stable dotted code.
    pub code: WireCode,
    /// An English fallback message.
    pub message: String,
    /// The input field at fault, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Values the translated message interpolates.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
}

impl WireError {
    /// The answer for `code` with its English message and no field.
    pub fn of(code: ErrorCode) -> Self {
        Self {
            code: code.into(),
            message: code.english().to_owned(),
            field: None,
            params: Map::new(),
        }
    }
}

impl From<&ValidationError> for WireError {
    fn from(err: &ValidationError) -> Self {
        Self {
            field: err.field.map(str::to_owned),
            params: err.params.clone(),
            ..Self::of(err.code)
        }
    }
}

/// Input the rules refuse; the user can correct it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}")]
pub struct ValidationError {
    /// What rule was broken.
    pub code: ErrorCode,
    /// The input field at fault, as the UI names it.
    pub field: Option<&'static str>,
    /// Values the translated message interpolates, e.g. `{"max": 100}`.
    pub params: Map<String, Value>,
}

impl ValidationError {
    /// A refusal of `field` by rule `code`.
    pub fn new(code: ErrorCode, field: &'static str) -> Self {
        Self {
            code,
            field: Some(field),
            params: Map::new(),
        }
    }

    /// A refusal that belongs to no single input field.
    pub fn general(code: ErrorCode) -> Self {
        Self {
            code,
            field: None,
            params: Map::new(),
        }
    }

    /// Adds a value for the translated message.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_dotted_form_and_a_message_and_reads_back() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::all() {
            let dotted = code.as_str();
            assert!(seen.insert(dotted), "{dotted} twice");
            assert!(dotted == "internal" || dotted.contains('.'), "{dotted}");
            assert!(
                code.get_message().is_some_and(|m| m.ends_with('.')),
                "{dotted}"
            );
            assert_eq!(ErrorCode::parse(dotted), Some(code));
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, dotted);
            assert_eq!(serde_json::from_value::<ErrorCode>(json).unwrap(), code);
        }
        assert!(seen.len() > 40);
    }

    #[test]
    fn an_unknown_code_from_a_newer_peer_is_kept_not_refused() {
        let text = r#"{"code":"token.scope_unknown","message":"Newer.","field":"scope"}"#;
        let err: WireError = serde_json::from_str(text).unwrap();
        assert_eq!(err.code, WireCode::Unknown("token.scope_unknown".into()));
        assert_eq!(err.code.known(), None);
        assert_eq!(err.field.as_deref(), Some("scope"));
        assert_eq!(serde_json::to_string(&err).unwrap(), text);
        assert!(serde_json::from_str::<ErrorCode>(r#""token.scope_unknown""#).is_err());
    }

    #[test]
    fn a_refusal_goes_on_the_wire_with_its_field_and_params() {
        let refusal = ValidationError::new(ErrorCode::ProfileNameTooLong, "name").with("max", 100);
        let wire = WireError::from(&refusal);
        let json = serde_json::to_value(&wire).unwrap();
        assert_eq!(json["code"], "profile.name_too_long");
        assert_eq!(json["field"], "name");
        assert_eq!(json["params"]["max"], 100);
        assert_eq!(json["message"], ErrorCode::ProfileNameTooLong.english());
        let back: WireError = serde_json::from_value(json).unwrap();
        assert_eq!(back.code.known(), Some(ErrorCode::ProfileNameTooLong));
    }
}
