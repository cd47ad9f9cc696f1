//! Fuzz target: the `aws-access-key` decoder on arbitrary input (as the token and as its context).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use tokenhound::decode::Decoder;

fuzz_target!(|data: &[u8]| {
    common::run(Decoder::AwsAccessKey, data);
});
