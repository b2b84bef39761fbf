//! Notification channels (issue 12): the catalog of channels as data, and the kinds of
//! contact they take with their rules. The contacts themselves live in [`crate::state`].

mod catalog;
mod kind;

pub use catalog::{
    Catalog, Channel, Localized, Steps, MAX_CHANNELS, MAX_CONTACTS_PER_CHANNEL, MAX_STEPS,
    NAME_MAX_CHARS, STEP_MAX_CHARS,
};
pub use kind::{ContactKind, TEXT_MAX_CHARS, VALUE_FIELD, VALUE_MAX_CHARS};
