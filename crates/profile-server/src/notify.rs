//! Test notifications the server sends itself. A contact on a channel whose kind is `url`
//! (a webhook) gets a small JSON POST; the catalog marks exactly those channels
//! `test_sender`, so the app offers «Send a test notification» only where it works.
//!
//! The address is the user's own input, so the server does not become a way into its own
//! network: by default an address that resolves to a loopback, private, link-local or
//! otherwise non-public IP is refused, the connection goes to the address that was checked
//! (no second lookup), and redirects are not followed.

use crate::domain::{ErrorCode, ValidationError};
use crate::error::ServerError;
use profile_domain::channel::ContactKind;
use reqwest::{redirect, Certificate, Url};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// How long a test delivery may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the server can send a test notification to a contact of `kind`.
pub fn has_sender(kind: &ContactKind) -> bool {
    matches!(kind, ContactKind::Url)
}

/// Sends test notifications.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    /// Deliver to non-public addresses too (an intranet's webhooks; tests).
    to_private: bool,
    /// Extra certificate authorities to trust besides the system's (a company CA).
    roots: Vec<Certificate>,
}

fn unreachable(why: &str) -> ServerError {
    tracing::info!(reason = why, "a test notification could not be delivered");
    ServerError::Invalid(ValidationError::general(ErrorCode::ContactTestUnreachable))
}

impl Notifier {
    /// A notifier delivering to public addresses only, trusting the system's CAs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also delivers to loopback and private addresses.
    pub fn to_private_networks(self) -> Self {
        Self {
            to_private: true,
            ..self
        }
    }

    /// Also trusts the CA certificates in `pem` (one or more PEM blocks).
    pub fn trusting(mut self, pem: &[u8]) -> Result<Self, String> {
        let found = Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())?;
        if found.is_empty() {
            return Err("no certificate in the file".into());
        }
        self.roots.extend(found);
        Ok(self)
    }

    /// POSTs a test message about `user` to the webhook `address`.
    pub async fn test_webhook(&self, address: &str, user: &str) -> Result<(), ServerError> {
        let url = Url::parse(address).map_err(|_| unreachable("not a URL"))?;
        let host = url
            .host_str()
            .ok_or_else(|| unreachable("no host"))?
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let lookup_host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((lookup_host.as_str(), port))
            .await
            .map_err(|_| unreachable("the host does not resolve"))?
            .collect();
        if addresses.is_empty() {
            return Err(unreachable("the host does not resolve"));
        }
        if !self.to_private && addresses.iter().any(|a| !is_public(a.ip())) {
            return Err(unreachable("a non-public address"));
        }
        let mut client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(redirect::Policy::none())
            .resolve_to_addrs(&lookup_host, &addresses);
        for root in &self.roots {
            client = client.add_root_certificate(root.clone());
        }
        let client = client
            .build()
            .map_err(|e| ServerError::Sender(format!("webhook client: {e}")))?;
        let body = json!({
            "kind": "acure_profile.test",
            "text": format!("Test notification from Acure Profile for {user}."),
        });
        let response = client
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| unreachable(&format!("{:?}", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ServerError::Invalid(
                ValidationError::general(ErrorCode::ContactTestRefused)
                    .with("status", status.as_u16()),
            ));
        }
        Ok(())
    }
}

/// Whether `ip` is an address of the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // carrier-grade NAT, 100.64.0.0/10
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || shared
        || a == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn only_webhooks_have_a_sender() {
        assert!(has_sender(&ContactKind::Url));
        for kind in [
            ContactKind::Email,
            ContactKind::Phone,
            ContactKind::Telegram,
        ] {
            assert!(!has_sender(&kind));
        }
    }
}
