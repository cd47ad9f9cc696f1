//! Verdicts on AWS key ids (tokens.md §6): `AKIA` long-term keys never expire.

#[cfg(test)]
use super::Policy;
use super::{Assessment, Flag, props, valid_at_commit};
use crate::decode::aws::AwsFacts;

/// Judge an AWS key id.
pub(super) fn judge(f: &AwsFacts, commit_time: Option<i64>) -> Assessment {
    let mut a = Assessment::default();
    let (kind, words) = match f.prefix.as_str() {
        "AKIA" => {
            a.flag(Flag::NonExpiring);
            (
                "long-term IAM user/root key",
                "long-term key, never expires until rotated",
            )
        }
        "ASIA" => (
            "temporary STS credentials",
            "temporary credentials (need a session token, expire within hours)",
        ),
        "ABIA" => ("STS service bearer token", "service bearer token"),
        _ => ("context-specific credential", "context-specific credential"),
    };
    a.prop(props::KEY_ID_PREFIX, f.prefix.as_str());
    a.prop(props::KEY_KIND, kind);
    let mut summary = format!("AWS {words}");
    if let Some(acct) = f.account_id {
        a.prop(props::ACCOUNT_ID, format!("{acct:012}"));
        summary.push_str(&format!(", account {acct:012}"));
    }
    if f.prefix == "AKIA" {
        valid_at_commit(&mut a, commit_time, None, None);
    }
    a.summary = Some(summary);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::aws::*;
    use crate::decode::{Context, Decoder};

    fn assess(secret: &str, ctx: &Context<'_>, p: &Policy) -> Assessment {
        crate::hygiene::assess(Some(Decoder::AwsAccessKey), secret, ctx, p)
    }
    use crate::decode::testutil::{Ctx, NOW, Rng};

    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    #[test]
    fn account_id_from_spec_example() {
        assert_eq!(
            account_id(concat!("AKIA", "RZPUZDIKH5LQYLKH")),
            Some(123_456_789_012)
        );
        assert_eq!(account_id(concat!("AKIA", "IOSFODNN7ABCDEFG")), None);
        assert_eq!(account_id("AKIA"), None);
    }

    #[test]
    fn long_term_versus_temporary() {
        let mut r = Rng(31);
        let p = Policy::new(NOW);
        let id = format!("AKIA{}", r.alnum(16, B32));
        let secret = r.alnum(
            40,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
        );
        let text = format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
        let c = Ctx::new(&text, &id);
        let a = assess(&format!("{id}:{secret}"), &c.ctx(), &p);
        assert_eq!(a.flags, ["non-expiring"]);
        assert!(!a.summary.unwrap().contains(&secret));
        let id = format!("ASIA{}", r.alnum(16, B32));
        let c = Ctx::new(&id, &id);
        let a = assess(&id, &c.ctx(), &p);
        assert!(a.flags.is_empty());
        assert_eq!(a.properties["key_kind"], "temporary STS credentials");
    }

    #[test]
    fn non_keys_are_not_decodable() {
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for bad in [
            "",
            "AKIA",
            "AKIA0123456789012345",
            "XAKIAABCDEFGHIJKLMNOP",
            "ékAKIA",
        ] {
            assert_eq!(
                assess(bad, &c.ctx(), &p).properties["decoded"],
                false,
                "{bad}"
            );
        }
    }
}
