//! Fuzz target: the opt-in Kubernetes manifest/script audit on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenhound::hygiene::Policy;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = tokenhound::audit::audit(&text, &Policy::new(1_793_491_200));
});
