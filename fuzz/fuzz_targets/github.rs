//! Fuzz target: the `github-classic-pat` decoder on arbitrary input (as the token and as its context).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for f in ["github-classic-pat", "github-fine-grained-pat", "github-server-to-server", "github-refresh"] {
        common::run(f, data);
    }
});
