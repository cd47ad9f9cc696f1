//! Test support shared by the unit tests of several modules (compiled for tests only).

/// A small deterministic generator for generated test inputs: each call returns a number in
/// `0..k` (a linear congruential generator, the high bits of its state).
pub(crate) fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |k| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % k
    }
}
