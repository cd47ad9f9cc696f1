//! A DER (tag, length, body) builder for generated key stores, shared by the integration tests
//! (`tests/common`) and the unit tests of `src/decode` (included there with `#[path]`).

/// A DER element: tag, the short or one/two-byte long length form, body.
pub fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        l if l < 0x80 => out.push(l as u8),
        l if l < 0x100 => out.extend([0x81, l as u8]),
        l => out.extend([0x82, (l >> 8) as u8, l as u8]),
    }
    out.extend_from_slice(body);
    out
}
