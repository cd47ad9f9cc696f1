//! tokenhound: a secret scanner and token hygiene auditor.
//!
//! Data flows one way: **source → chunk with provenance → matcher → validation →
//! decoding/hygiene → finding → report**. Each step is one module:
//! [`source`], [`chunk`], [`matcher`], [`validate`], [`decode`] and [`hygiene`], [`finding`],
//! [`report`]; [`detect`] runs steps 3–6 on a chunk and [`scan`] drives a whole scan.
//! [`org`] scans a list of repositories (one shard of it) and [`merge`] combines their reports.
//! The library never depends on the CLI.

pub mod allow;
pub mod audit;
pub mod baseline;
pub mod chunk;
pub mod codec;
pub mod config;
pub mod decode;
pub mod detect;
pub mod expand;
pub mod finding;
pub mod github;
pub mod hook;
pub mod hygiene;
pub mod matcher;
pub mod org;
pub mod report;
pub mod rules;
pub mod rules_doc;
pub mod scan;
pub mod selfcheck;
pub mod session;
pub mod source;
#[cfg(test)]
mod testutil;
pub mod validate;
