//! Typed errors with stable dotted codes (DESIGN.md §5).
//!
//! The UI translates by `code` and shows the error next to `field`; `message` is an English
//! fallback. Storage failures keep their cause for the log but surface only as `internal`.

use serde::Serialize;
use serde_json::{Map, Value};

/// The stable code of an error, as the UI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorCode {
    /// The name is empty after trimming.
    #[serde(rename = "profile.name_required")]
    ProfileNameRequired,
    /// The name has more characters than allowed.
    #[serde(rename = "profile.name_too_long")]
    ProfileNameTooLong,
    /// The name contains control characters such as line breaks.
    #[serde(rename = "profile.name_invalid")]
    ProfileNameInvalid,
    /// The name contains an invisible format character such as a bidi override.
    #[serde(rename = "profile.name_invisible_chars")]
    ProfileNameInvisibleChars,
    /// The e-mail address is malformed.
    #[serde(rename = "profile.email_invalid")]
    ProfileEmailInvalid,
    /// The e-mail address is too long.
    #[serde(rename = "profile.email_too_long")]
    ProfileEmailTooLong,
    /// The organization is too long.
    #[serde(rename = "profile.organization_too_long")]
    ProfileOrganizationTooLong,
    /// The organization contains control characters.
    #[serde(rename = "profile.organization_invalid")]
    ProfileOrganizationInvalid,
    /// The organization contains an invisible format character such as a bidi override.
    #[serde(rename = "profile.organization_invisible_chars")]
    ProfileOrganizationInvisibleChars,
    /// The phone number is not a possible number.
    #[serde(rename = "profile.phone_invalid")]
    ProfilePhoneInvalid,
    /// The phone number has no country code.
    #[serde(rename = "profile.phone_needs_country_code")]
    ProfilePhoneNeedsCountryCode,
    /// The interface language is not one the app offers.
    #[serde(rename = "profile.language_unsupported")]
    ProfileLanguageUnsupported,
    /// The time zone is not one of the catalogue's IANA zones.
    #[serde(rename = "profile.time_zone_invalid")]
    ProfileTimeZoneInvalid,
    /// There is no profile on this device yet.
    #[serde(rename = "profile.missing")]
    ProfileMissing,
    /// The chosen avatar file is larger than allowed.
    #[serde(rename = "avatar.too_large")]
    AvatarTooLarge,
    /// The chosen avatar file could not be read (gone, no permission).
    #[serde(rename = "avatar.unreadable")]
    AvatarUnreadable,
    /// The chosen avatar path is a folder, a pipe or a device, not a file.
    #[serde(rename = "avatar.not_a_file")]
    AvatarNotAFile,
    /// The avatar file is not a JPEG, PNG, WebP or GIF image.
    #[serde(rename = "avatar.unsupported_format")]
    AvatarUnsupportedFormat,
    /// The avatar file is damaged or truncated.
    #[serde(rename = "avatar.corrupt")]
    AvatarCorrupt,
    /// The avatar image is too large in pixels.
    #[serde(rename = "avatar.dimensions_too_large")]
    AvatarDimensionsTooLarge,
    /// Decoding the avatar image would take too much memory or work (huge progressive JPEG,
    /// thousands of scans, a GIF frame far larger than its canvas, 16-bit near the limit).
    #[serde(rename = "avatar.too_complex")]
    AvatarTooComplex,
    /// The avatar work was cancelled (the dialog was closed); the UI shows nothing.
    #[serde(rename = "avatar.cancelled")]
    AvatarCancelled,
    /// The crop square is empty or not inside the image.
    #[serde(rename = "avatar.crop_invalid")]
    AvatarCropInvalid,
    /// A crop was asked for before any picture was chosen.
    #[serde(rename = "avatar.not_chosen")]
    AvatarNotChosen,
    /// The password has fewer characters than allowed.
    #[serde(rename = "password.too_short")]
    PasswordTooShort,
    /// The password has more characters than allowed.
    #[serde(rename = "password.too_long")]
    PasswordTooLong,
    /// The password has no digit.
    #[serde(rename = "password.needs_digit")]
    PasswordNeedsDigit,
    /// The password has no uppercase Latin or Russian letter.
    #[serde(rename = "password.needs_upper")]
    PasswordNeedsUpper,
    /// The password has no lowercase Latin or Russian letter.
    #[serde(rename = "password.needs_lower")]
    PasswordNeedsLower,
    /// The password is among the most common ones.
    #[serde(rename = "password.too_common")]
    PasswordTooCommon,
    /// The new password equals the current one.
    #[serde(rename = "password.same_as_current")]
    PasswordSameAsCurrent,
    /// The password and its confirmation differ.
    #[serde(rename = "password.mismatch")]
    PasswordMismatch,
    /// The current password given does not match.
    #[serde(rename = "password.current_wrong")]
    PasswordCurrentWrong,
    /// The sign-in password does not match.
    #[serde(rename = "password.wrong")]
    PasswordWrong,
    /// Too many wrong passwords in a row; the next try must wait.
    #[serde(rename = "password.throttled")]
    PasswordThrottled,
    /// The password changed since this change was made (stale version).
    #[serde(rename = "password.changed_elsewhere")]
    PasswordChangedElsewhere,
    /// No session has this id.
    #[serde(rename = "session.not_found")]
    SessionNotFound,
    /// Nobody is signed in on this device.
    #[serde(rename = "account.signed_out")]
    AccountSignedOut,
    /// A local account already exists on this device.
    #[serde(rename = "account.exists")]
    AccountExists,
    /// No local account (password) exists on this device.
    #[serde(rename = "account.missing")]
    AccountMissing,
    /// A command was called with a missing argument or one of the wrong shape.
    #[serde(rename = "request.invalid")]
    RequestInvalid,
    /// Another process holds the local store locked.
    #[serde(rename = "store.locked")]
    StoreLocked,
    /// The local store's file is damaged or not a database.
    #[serde(rename = "store.corrupt")]
    StoreCorrupt,
    /// The local store was made by a newer version of the app.
    #[serde(rename = "store.newer_version")]
    StoreNewerVersion,
    /// The local store's file or folder may not be read or written.
    #[serde(rename = "store.permission_denied")]
    StorePermissionDenied,
    /// The local store could not be opened for another reason.
    #[serde(rename = "store.unavailable")]
    StoreUnavailable,
    /// Anything the user cannot act on; details are in the log only.
    #[serde(rename = "internal")]
    Internal,
    // Server: sign-in, sessions, requests, administration, protocol.
    /// The e-mail address or the password is wrong, or the account is disabled.
    #[serde(rename = "auth.invalid_credentials")]
    AuthInvalidCredentials,
    /// Too many tries; the next one must wait.
    #[serde(rename = "auth.throttled")]
    AuthThrottled,
    /// The request carries no valid session secret.
    #[serde(rename = "auth.required")]
    AuthRequired,
    /// The session has ended (signed out, ended elsewhere, or by a password change).
    #[serde(rename = "session.revoked")]
    SessionRevoked,
    /// The request body is larger than the server accepts.
    #[serde(rename = "request.too_large")]
    RequestTooLarge,
    /// The request body is not JSON (`Content-Type: application/json`).
    #[serde(rename = "request.unsupported_media_type")]
    RequestUnsupportedMediaType,
    /// No endpoint has this path.
    #[serde(rename = "request.not_found")]
    RequestNotFound,
    /// The endpoint does not take this HTTP method.
    #[serde(rename = "request.method_not_allowed")]
    RequestMethodNotAllowed,
    /// The request took longer than the server allows.
    #[serde(rename = "request.timeout")]
    RequestTimeout,
    /// A user with this e-mail address already exists.
    #[serde(rename = "user.exists")]
    UserExists,
    /// No user has this e-mail address.
    #[serde(rename = "user.not_found")]
    UserNotFound,
    /// The request names a protocol version this server does not speak.
    #[serde(rename = "sync.protocol_mismatch")]
    SyncProtocolMismatch,
}

impl ErrorCode {
    /// Every code, so tests can check each has a translation.
    pub const ALL: [ErrorCode; 59] = [
        Self::ProfileNameRequired,
        Self::ProfileNameTooLong,
        Self::ProfileNameInvalid,
        Self::ProfileNameInvisibleChars,
        Self::ProfileEmailInvalid,
        Self::ProfileEmailTooLong,
        Self::ProfileOrganizationTooLong,
        Self::ProfileOrganizationInvalid,
        Self::ProfileOrganizationInvisibleChars,
        Self::ProfilePhoneInvalid,
        Self::ProfilePhoneNeedsCountryCode,
        Self::ProfileLanguageUnsupported,
        Self::ProfileTimeZoneInvalid,
        Self::ProfileMissing,
        Self::AvatarTooLarge,
        Self::AvatarUnreadable,
        Self::AvatarNotAFile,
        Self::AvatarUnsupportedFormat,
        Self::AvatarCorrupt,
        Self::AvatarDimensionsTooLarge,
        Self::AvatarTooComplex,
        Self::AvatarCancelled,
        Self::AvatarCropInvalid,
        Self::AvatarNotChosen,
        Self::PasswordTooShort,
        Self::PasswordTooLong,
        Self::PasswordNeedsDigit,
        Self::PasswordNeedsUpper,
        Self::PasswordNeedsLower,
        Self::PasswordTooCommon,
        Self::PasswordSameAsCurrent,
        Self::PasswordMismatch,
        Self::PasswordCurrentWrong,
        Self::PasswordWrong,
        Self::PasswordThrottled,
        Self::PasswordChangedElsewhere,
        Self::SessionNotFound,
        Self::AccountSignedOut,
        Self::AccountExists,
        Self::AccountMissing,
        Self::RequestInvalid,
        Self::StoreLocked,
        Self::StoreCorrupt,
        Self::StoreNewerVersion,
        Self::StorePermissionDenied,
        Self::StoreUnavailable,
        Self::Internal,
        Self::AuthInvalidCredentials,
        Self::AuthThrottled,
        Self::AuthRequired,
        Self::SessionRevoked,
        Self::RequestTooLarge,
        Self::RequestUnsupportedMediaType,
        Self::RequestNotFound,
        Self::RequestMethodNotAllowed,
        Self::RequestTimeout,
        Self::UserExists,
        Self::UserNotFound,
        Self::SyncProtocolMismatch,
    ];

    /// The dotted code, e.g. `profile.name_required`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProfileNameRequired => "profile.name_required",
            Self::ProfileNameTooLong => "profile.name_too_long",
            Self::ProfileNameInvalid => "profile.name_invalid",
            Self::ProfileNameInvisibleChars => "profile.name_invisible_chars",
            Self::ProfileEmailInvalid => "profile.email_invalid",
            Self::ProfileEmailTooLong => "profile.email_too_long",
            Self::ProfileOrganizationTooLong => "profile.organization_too_long",
            Self::ProfileOrganizationInvalid => "profile.organization_invalid",
            Self::ProfileOrganizationInvisibleChars => "profile.organization_invisible_chars",
            Self::ProfilePhoneInvalid => "profile.phone_invalid",
            Self::ProfilePhoneNeedsCountryCode => "profile.phone_needs_country_code",
            Self::ProfileLanguageUnsupported => "profile.language_unsupported",
            Self::ProfileTimeZoneInvalid => "profile.time_zone_invalid",
            Self::ProfileMissing => "profile.missing",
            Self::AvatarTooLarge => "avatar.too_large",
            Self::AvatarUnreadable => "avatar.unreadable",
            Self::AvatarNotAFile => "avatar.not_a_file",
            Self::AvatarUnsupportedFormat => "avatar.unsupported_format",
            Self::AvatarCorrupt => "avatar.corrupt",
            Self::AvatarDimensionsTooLarge => "avatar.dimensions_too_large",
            Self::AvatarTooComplex => "avatar.too_complex",
            Self::AvatarCancelled => "avatar.cancelled",
            Self::AvatarCropInvalid => "avatar.crop_invalid",
            Self::AvatarNotChosen => "avatar.not_chosen",
            Self::PasswordTooShort => "password.too_short",
            Self::PasswordTooLong => "password.too_long",
            Self::PasswordNeedsDigit => "password.needs_digit",
            Self::PasswordNeedsUpper => "password.needs_upper",
            Self::PasswordNeedsLower => "password.needs_lower",
            Self::PasswordTooCommon => "password.too_common",
            Self::PasswordSameAsCurrent => "password.same_as_current",
            Self::PasswordMismatch => "password.mismatch",
            Self::PasswordCurrentWrong => "password.current_wrong",
            Self::PasswordWrong => "password.wrong",
            Self::PasswordThrottled => "password.throttled",
            Self::PasswordChangedElsewhere => "password.changed_elsewhere",
            Self::SessionNotFound => "session.not_found",
            Self::AccountSignedOut => "account.signed_out",
            Self::AccountExists => "account.exists",
            Self::AccountMissing => "account.missing",
            Self::RequestInvalid => "request.invalid",
            Self::StoreLocked => "store.locked",
            Self::StoreCorrupt => "store.corrupt",
            Self::StoreNewerVersion => "store.newer_version",
            Self::StorePermissionDenied => "store.permission_denied",
            Self::StoreUnavailable => "store.unavailable",
            Self::Internal => "internal",
            Self::AuthInvalidCredentials => "auth.invalid_credentials",
            Self::AuthThrottled => "auth.throttled",
            Self::AuthRequired => "auth.required",
            Self::SessionRevoked => "session.revoked",
            Self::RequestTooLarge => "request.too_large",
            Self::RequestUnsupportedMediaType => "request.unsupported_media_type",
            Self::RequestNotFound => "request.not_found",
            Self::RequestMethodNotAllowed => "request.method_not_allowed",
            Self::RequestTimeout => "request.timeout",
            Self::UserExists => "user.exists",
            Self::UserNotFound => "user.not_found",
            Self::SyncProtocolMismatch => "sync.protocol_mismatch",
        }
    }

    /// The English fallback message.
    pub fn english(self) -> &'static str {
        match self {
            Self::ProfileNameRequired => "Enter your name.",
            Self::ProfileNameTooLong => "The name is too long.",
            Self::ProfileNameInvalid => {
                "The name cannot contain line breaks or control characters."
            }
            Self::ProfileNameInvisibleChars => {
                "The name contains an invisible character, such as a text-direction mark. \
                 Type the name again without it."
            }
            Self::ProfileEmailInvalid => "Enter an e-mail address like name@example.com.",
            Self::ProfileEmailTooLong => "The e-mail address is too long.",
            Self::ProfileOrganizationTooLong => "The organization name is too long.",
            Self::ProfileOrganizationInvalid => {
                "The organization cannot contain line breaks or control characters."
            }
            Self::ProfileOrganizationInvisibleChars => {
                "The organization contains an invisible character, such as a text-direction \
                 mark. Type it again without it."
            }
            Self::ProfilePhoneInvalid => "This is not a valid phone number.",
            Self::ProfilePhoneNeedsCountryCode => "Add the country code, e.g. +7 912 345-67-89.",
            Self::ProfileLanguageUnsupported => "This interface language is not available.",
            Self::ProfileTimeZoneInvalid => "This time zone is not available.",
            Self::ProfileMissing => "There is no profile on this device yet.",
            Self::AvatarTooLarge => "The file is too large: at most 5 MB.",
            Self::AvatarUnreadable => "The file could not be read.",
            Self::AvatarNotAFile => "Choose a picture file, not a folder, a pipe or a device.",
            Self::AvatarUnsupportedFormat => "Choose a JPEG, PNG, WebP or GIF image.",
            Self::AvatarCorrupt => "The image is damaged and cannot be opened.",
            Self::AvatarDimensionsTooLarge => "The image has too many pixels.",
            Self::AvatarTooComplex => "The image is too complex to open. Choose another picture.",
            Self::AvatarCancelled => "Cancelled.",
            Self::AvatarCropInvalid => "The selected square is outside the image.",
            Self::AvatarNotChosen => "Choose a picture first.",
            Self::PasswordTooShort => "The new password is too short.",
            Self::PasswordTooLong => "The new password is too long.",
            Self::PasswordNeedsDigit => "The password needs at least one digit.",
            Self::PasswordNeedsUpper => "The password needs an uppercase Latin or Russian letter.",
            Self::PasswordNeedsLower => "The password needs a lowercase Latin or Russian letter.",
            Self::PasswordTooCommon => {
                "This password is among the most common ones. Choose another."
            }
            Self::PasswordSameAsCurrent => "The new password must differ from the current one.",
            Self::PasswordMismatch => "The two passwords differ. Type the same password twice.",
            Self::PasswordCurrentWrong => "The current password is wrong.",
            Self::PasswordWrong => "The password is wrong.",
            Self::PasswordThrottled => "Too many wrong passwords. Try again in a moment.",
            Self::PasswordChangedElsewhere => {
                "The password was changed elsewhere. Sign in with the new password."
            }
            Self::SessionNotFound => "This session does not exist.",
            Self::AccountSignedOut => "You are signed out. Sign in to continue.",
            Self::AccountExists => "This device already has an account.",
            Self::AccountMissing => "There is no account on this device yet.",
            Self::RequestInvalid => "The app sent a request it could not read. Please try again.",
            Self::StoreLocked => "The profile database is in use by another program.",
            Self::StoreCorrupt => "The profile database is damaged or is not a database.",
            Self::StoreNewerVersion => {
                "The profile database was made by a newer version of the app."
            }
            Self::StorePermissionDenied => "The app may not read or write the profile database.",
            Self::StoreUnavailable => "The profile database could not be opened.",
            Self::Internal => "Something went wrong. Please try again.",
            Self::AuthInvalidCredentials => {
                "The e-mail or the password is wrong, or the account is disabled."
            }
            Self::AuthThrottled => "Too many tries. Try again in a moment.",
            Self::AuthRequired => "Sign in to continue.",
            Self::SessionRevoked => "This session has ended. Sign in again.",
            Self::RequestTooLarge => "The request is too large.",
            Self::RequestUnsupportedMediaType => "The request must be sent as JSON.",
            Self::RequestNotFound => "This address does not exist on the server.",
            Self::RequestMethodNotAllowed => "This endpoint does not take this method.",
            Self::RequestTimeout => "The request took too long. Please try again.",
            Self::UserExists => "A user with this e-mail address already exists.",
            Self::UserNotFound => "No user has this e-mail address.",
            Self::SyncProtocolMismatch => {
                "This app version cannot talk to the server. Update the app."
            }
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input broke a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An operation needs a profile and there is none.
    #[error("no profile on this device")]
    ProfileMissing,
    /// The database failed.
    #[error("storage failure")]
    Storage(#[from] sqlx::Error),
    /// The database schema could not be brought up to date.
    #[error("schema migration failure")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// An avatar file or crop was refused, or the avatar pipeline failed.
    #[error(transparent)]
    Avatar(#[from] crate::avatar::AvatarError),
    /// Hashing a password failed (never includes the password).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// A blocking task (e.g. hashing) was cancelled or panicked.
    #[error("background task failed: {0}")]
    Task(String),
    /// Stored data could not be read back.
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// The local store could not be opened; says which file and why.
    #[error(transparent)]
    StoreOpen(#[from] crate::open_error::StoreOpenError),
}

impl CoreError {
    /// The stable code the UI sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(e) => e.code,
            Self::ProfileMissing => ErrorCode::ProfileMissing,
            Self::Avatar(e) => e.code(),
            Self::StoreOpen(e) => e.code(),
            Self::Storage(_)
            | Self::Migration(_)
            | Self::Corrupt(_)
            | Self::Hashing(_)
            | Self::Task(_) => ErrorCode::Internal,
        }
    }

    /// The input field at fault, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid(e) => e.field,
            Self::Avatar(e) => e.field(),
            _ => None,
        }
    }

    /// Values for the translated message.
    pub fn params(&self) -> Map<String, Value> {
        match self {
            Self::Invalid(e) => e.params.clone(),
            Self::Avatar(e) => e.params(),
            Self::StoreOpen(e) => e.params(),
            _ => Map::new(),
        }
    }

    /// Whether this is a fault of ours rather than of the input; such errors are logged in full.
    pub fn is_internal(&self) -> bool {
        self.code() == ErrorCode::Internal
    }
}
