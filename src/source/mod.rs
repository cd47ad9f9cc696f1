//! Pipeline step 1: sources enumerate content to scan — the file tree, standard input, and (in
//! [`git`]) the unique blobs of a repository's history, its index, and commit ranges, and (in
//! [`messages`]) the messages of commits and annotated tags.

pub mod archive;
pub mod blobs;
pub mod delta;
pub mod fs;
pub mod git;
pub mod history;
pub mod messages;
pub mod pack;
pub mod range;
pub mod staged;
pub mod stdin;
