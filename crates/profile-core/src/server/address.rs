//! A server's address as a person types it: `profile.example.com`, `https://host:8443/acure/`,
//! `http://127.0.0.1:8080`.

use crate::error::{ErrorCode, ValidationError};
use reqwest::Url;
use std::net::IpAddr;

/// The input field of the server address, as the UI names it.
pub const FIELD: &str = "server_url";

/// A server's base address: `https`, or `http` to this machine only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress(Url);

impl ServerAddress {
    /// Reads what a person typed; `https://` is assumed when no scheme is given.
    pub fn parse(typed: &str) -> Result<Self, ValidationError> {
        let typed = typed.trim();
        let invalid = || ValidationError::new(ErrorCode::ServerAddressInvalid, FIELD);
        if typed.is_empty() || typed.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let with_scheme = if typed.contains("://") {
            typed.to_owned()
        } else {
            format!("https://{typed}")
        };
        let mut url = Url::parse(&with_scheme).map_err(|_| invalid())?;
        if url.host_str().is_none_or(str::is_empty)
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(invalid());
        }
        match url.scheme() {
            "https" => {}
            // A password over plain HTTP is readable by anyone on the way, unless the way is
            // this machine (a local test server, or a tunnel's local end).
            "http" if is_loopback(&url) => {}
            "http" => return Err(ValidationError::new(ErrorCode::ServerInsecure, FIELD)),
            _ => return Err(invalid()),
        }
        // Endpoints are joined onto it, so it always ends with a slash.
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }

    /// The endpoint `path` (relative, e.g. `v1/sync/pull`) on this server.
    pub fn endpoint(&self, path: &str) -> Url {
        // A relative path joined onto a base ending with `/` always parses.
        self.0.join(path).unwrap_or_else(|_| self.0.clone())
    }

    /// Whether the server is on this machine (plain HTTP is allowed, and no proxy is used).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }

    /// The address as stored and shown, e.g. `https://profile.example.com/`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(typed: &str) -> ErrorCode {
        ServerAddress::parse(typed).unwrap_err().code
    }

    #[test]
    fn a_bare_host_becomes_https_with_a_trailing_slash() {
        let address = ServerAddress::parse("  profile.example.com ").unwrap();
        assert_eq!(address.as_str(), "https://profile.example.com/");
        assert_eq!(
            address.endpoint("v1/sync/pull").as_str(),
            "https://profile.example.com/v1/sync/pull"
        );
        let nested = ServerAddress::parse("https://example.com:8443/acure").unwrap();
        assert_eq!(
            nested.endpoint("v1/auth/sign-in").as_str(),
            "https://example.com:8443/acure/v1/auth/sign-in"
        );
    }

    #[test]
    fn plain_http_is_for_this_machine_only() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(ServerAddress::parse(local).is_ok(), "{local}");
        }
        assert_eq!(
            code("http://profile.example.com"),
            ErrorCode::ServerInsecure
        );
        assert_eq!(code("http://10.0.0.5:8080"), ErrorCode::ServerInsecure);
    }

    #[test]
    fn what_is_not_a_server_address_is_refused_at_the_field() {
        for bad in [
            "",
            "   ",
            "ftp://example.com",
            "https://",
            "https://user:pw@example.com",
            "https://example.com/?q=1",
            "exa mple.com",
        ] {
            let err = ServerAddress::parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::ServerAddressInvalid, "{bad:?}");
            assert_eq!(err.field, Some(FIELD));
        }
    }
}
