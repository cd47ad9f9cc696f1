//! Fuzz target: the `flyio-token` decoder on arbitrary input (as the token and as its context).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::run("flyio-token", data);
});
