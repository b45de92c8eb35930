//! The login URL as a QR code drawn with Unicode half blocks, so a phone
//! can open it from the terminal.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// The QR code of `text`, or `None` if it is too long for one. Light
/// modules are drawn as blocks, the way `qrencode -t UTF8` does, which
/// scans on the usual dark terminal.
pub fn render(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_url_fits_in_a_small_square() {
        let drawn = render("https://countersign.example/s?id=ab.cd.ef.01").unwrap();
        let lines: Vec<&str> = drawn.lines().collect();
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two rows of modules per line: about twice as wide as tall.
        assert!(width > lines.len() && width < 60, "{width}x{}", lines.len());
        assert!(render(&"x".repeat(8000)).is_none());
    }
}
