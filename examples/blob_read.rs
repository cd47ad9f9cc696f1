//! Raw blob-read floor of the history source (no matching): lists every blob of a repository in
//! pack order and reads them all with one reader, printing the wall time and bytes.
//! `cargo run --release --example blob_read -- REPO catfile|libgit2 [THREADS]`
//! (used by scripts/bench-history.sh to choose the reader by measurement).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokenhound::source::blobs::{self, Read1, Reader};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let repo = git2::Repository::open(args.get(1).map_or(".", String::as_str))?;
    let reader = match args.get(2).map(String::as_str) {
        Some("libgit2") => Reader::Libgit2,
        _ => Reader::CatFile,
    };
    let threads: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1);
    let t0 = Instant::now();
    let listing = blobs::list_blobs(&repo, reader)?;
    let listed = t0.elapsed();
    let (n, bytes, failed) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let sink = |r: Read1| {
        match r {
            Read1::Blob(_, data) => {
                n.fetch_add(1, Ordering::Relaxed);
                bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
            Read1::Failed(..) => {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        true
    };
    blobs::stream(&repo, reader, &listing.blobs, threads, &sink)?;
    println!(
        "reader={reader:?} threads={threads} blobs={} bytes={} failed={} list={:.2}s total={:.2}s",
        n.into_inner(),
        bytes.into_inner(),
        failed.into_inner(),
        listed.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
