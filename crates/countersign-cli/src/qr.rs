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

    /// The QR code in `drawn` read back as a phone's camera would see it on
    /// a dark terminal: a drawn half block is a light module, a blank one
    /// or the terminal around the code is dark. Each module becomes a 4x4
    /// square of pixels.
    fn decode(drawn: &str) -> Vec<String> {
        const SCALE: usize = 4;
        // The terminal's dark background around the code, in modules.
        const AROUND: usize = 4;
        let lines: Vec<Vec<char>> = drawn.lines().map(|l| l.chars().collect()).collect();
        // A QR code is square; the last line's lower half is past its edge.
        let size = lines[0].len();
        assert_eq!(lines.len(), size.div_ceil(2), "{drawn}");
        let light = |x: usize, y: usize| {
            let (Some(x), Some(y)) = (x.checked_sub(AROUND), y.checked_sub(AROUND)) else {
                return false;
            };
            let c = lines.get(y / 2).and_then(|line| line.get(x)).copied();
            c == Some('█') || (y % 2 == 0 && c == Some('▀')) || (y % 2 == 1 && c == Some('▄'))
        };
        let side = (size + 2 * AROUND) * SCALE;
        let mut image = rqrr::PreparedImage::prepare_from_bitmap(side, side, |x, y| {
            !light(x / SCALE, y / SCALE)
        });
        image
            .detect_grids()
            .iter()
            .map(|grid| grid.decode().unwrap().1)
            .collect()
    }

    #[test]
    fn the_code_holds_the_login_url() {
        for url in [
            "https://countersign.example/s?id=ab.cd.ef.01",
            "http://127.0.0.1:8080/s?id=00.11.22.33",
        ] {
            // As the login prints it.
            let drawn = render(url).unwrap();
            assert_eq!(decode(drawn.trim_end()), [url]);
        }
    }
}
