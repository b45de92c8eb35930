//! URL-safe base64 without padding (RFC 4648, section 5), written out here
//! rather than taken from the `base64` crate, whose engines weighed about
//! 6 KB in each wasm module for the few keys, signatures and digests that
//! countersign encodes.
//!
//! It reads exactly what the crate's `URL_SAFE_NO_PAD` reads (the tests
//! below compare the two on random input): only the 64 URL-safe
//! characters, no padding, and no stray bits in the last character, so
//! that every byte string has exactly one spelling.

/// The character for a 6-bit value.
fn symbol(value: u32) -> char {
    // Only the low 6 bits are ever set.
    let v = (value & 63) as u8;
    char::from(match v {
        0..=25 => b'A' + v,
        26..=51 => b'a' + (v - 26),
        52..=61 => b'0' + (v - 52),
        62 => b'-',
        _ => b'_',
    })
}

/// The 6-bit value of a character, or `None` for one outside the alphabet.
fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Encodes bytes.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        // One byte takes two characters, two take three, three take four.
        for i in 0..=chunk.len() {
            out.push(symbol(n >> (18 - 6 * i)));
        }
    }
    out
}

/// Decodes text, or `None` if it is not URL-safe base64 without padding.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    // A lone last character holds only 6 bits: not even one byte.
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // The bits after the last whole byte must be zero.
        if n & (0x00FF_FFFF >> (8 * bytes)) != 0 {
            return None;
        }
        for i in 0..bytes {
            // The byte's 8 bits, shifted down.
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    use super::{decode, encode};

    #[test]
    fn known_spellings() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(&[0xfb, 0xff, 0xfe]), "-__-");
        assert_eq!(decode("Zm9vYg").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode("").as_deref(), Some(&b""[..]));
        // Padding, other alphabets, a lone character and stray bits.
        for bad in ["Zg==", "Zm8=", "+/8", "Zm9vY", "Zh", "Zm9", "Zm 9v", "é"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let text = encode(&bytes);
            prop_assert_eq!(&text, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(decode(&text), Some(bytes));
        }

        #[test]
        fn reads_what_the_base64_crate_reads(text in "[A-Za-z0-9_=+/ -]{0,12}") {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }
    }
}
