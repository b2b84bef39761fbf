//! Time zones: the domain's catalogue and rules, and the zone this machine's OS is set to.

pub use profile_domain::time_zone::*;

/// The OS time zone as a catalogue id, for the first-run default; `None` if the OS does not
/// say or names a zone the catalogue lacks (the caller picks the fallback).
pub fn os_time_zone() -> Option<String> {
    let tz_var = std::env::var("TZ").ok();
    let system = iana_time_zone::get_timezone().ok();
    os_zone_from(tz_var.as_deref(), system.as_deref()).map(|z| z.as_str().to_owned())
}

/// The zone a person set: `TZ` first (POSIX lets it override the system zone; `:Zone/Name`
/// and plain `Zone/Name` are understood, rule strings such as `EST5EDT` are not zones), then
/// the system's. Unknown names are skipped, never turned into UTC.
fn os_zone_from(tz_var: Option<&str>, system: Option<&str>) -> Option<ZoneId> {
    let from_var = tz_var
        .map(|v| v.trim().trim_start_matches(':'))
        .and_then(|v| parse_zone(v).ok());
    from_var.or_else(|| system.and_then(|s| parse_zone(s.trim()).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_zone_comes_from_tz_then_the_system_and_unknown_names_are_not_utc() {
        let zone = |tz, system| os_zone_from(tz, system).map(ZoneId::as_str);
        assert_eq!(
            zone(Some("Asia/Tokyo"), Some("Etc/UTC")),
            Some("Asia/Tokyo")
        );
        assert_eq!(zone(Some(":Europe/Kiev"), None), Some("Europe/Kyiv"));
        assert_eq!(zone(None, Some("Asia/Calcutta\n")), Some("Asia/Kolkata"));
        assert_eq!(
            zone(Some("EST5EDT,M3.2.0"), Some("Europe/Moscow")),
            Some("Europe/Moscow")
        );
        assert_eq!(
            zone(Some(""), Some("America/Sao_Paulo")),
            Some("America/Sao_Paulo")
        );
        assert_eq!(zone(None, Some("Mars/Olympus")), None);
        assert_eq!(zone(Some("Mars/Olympus"), None), None);
        assert_eq!(zone(None, None), None);
    }

    /// Set by the test below in a child process of this test binary.
    const PROBE_ENV: &str = "ACURE_OS_ZONE_PROBE";

    /// The real lookup, in a child process whose environment names a zone: the first-run
    /// default follows what the person set, through the same code the app runs.
    #[test]
    fn the_os_zone_of_a_real_process_follows_its_environment() {
        if std::env::var_os(PROBE_ENV).is_some() {
            println!("probe-zone={}", os_time_zone().unwrap_or_default());
            return;
        }
        let test = "time_zone::tests::the_os_zone_of_a_real_process_follows_its_environment";
        for (tz, expected) in [
            ("Asia/Tokyo", "Asia/Tokyo"),
            (":America/Ciudad_Juarez", "America/Ciudad_Juarez"),
        ] {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", test, "--nocapture", "--test-threads=1"])
                .env(PROBE_ENV, "1")
                .env("TZ", tz)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                stdout.contains(&format!("probe-zone={expected}\n")),
                "TZ={tz}: {stdout}"
            );
        }
    }
}
