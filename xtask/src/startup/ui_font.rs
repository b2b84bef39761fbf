//! The font `system-ui` stands for on Linux. WebKitGTK takes it from GNOME's settings
//! (`org.gnome.desktop.interface font-name`, «Cantarell 11» by default); where that family
//! is not installed, it searches fontconfig for a fallback before the first frame (~20 ms a
//! start, measured 2026-12-03). A desktop has its UI font, a bare machine may not: the report
//! says which this was.

use std::process::Command;

/// E.g. «Cantarell 11, installed»; None where the settings cannot be read (not GNOME's
/// settings, not Linux).
pub fn describe() -> Option<String> {
    let out = Command::new("gsettings")
        .args(["get", "org.gnome.desktop.interface", "font-name"])
        .output()
        .ok()
        .filter(|out| out.status.success())?;
    let setting = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_matches('\'')
        .to_owned();
    let family = family_of(&setting);
    let installed = Command::new("fc-list")
        .args([family, "family"])
        .output()
        .is_ok_and(|out| !out.stdout.trim_ascii().is_empty());
    let state = if installed {
        "installed"
    } else {
        "NOT installed: the first frame pays a font fallback search"
    };
    Some(format!("{setting}, {state}"))
}

/// The family of a Pango font description: «Cantarell 11» → «Cantarell».
fn family_of(description: &str) -> &str {
    match description.rsplit_once(' ') {
        Some((family, size)) if size.parse::<f64>().is_ok() => family,
        _ => description,
    }
}

#[cfg(test)]
mod tests {
    use super::family_of;

    #[test]
    fn the_size_is_taken_off_the_family() {
        assert_eq!(family_of("Cantarell 11"), "Cantarell");
        assert_eq!(family_of("Noto Sans 10.5"), "Noto Sans");
        assert_eq!(family_of("Ubuntu"), "Ubuntu");
    }
}
