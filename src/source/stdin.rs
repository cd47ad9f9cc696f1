//! Source: standard input (`tokenhound scan -`), read whole with the size limit applied.

use std::io::Read;

use crate::chunk::{Chunk, Provenance};
use crate::scan::{Collector, Scanner, SkipReason};

/// Scan standard input.
pub fn scan_stdin(scanner: &Scanner, collector: &Collector) {
    let mut buf = Vec::new();
    let limit = scanner.options.max_file_size;
    match std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut buf)
    {
        Ok(_) if buf.len() as u64 > limit => collector.skip("<stdin>", SkipReason::TooLarge),
        Ok(_) => scanner.scan_into(
            collector,
            "<stdin>",
            Chunk {
                data: buf.into(),
                provenance: Provenance::Stdin,
            },
            None,
        ),
        Err(e) => collector.skip("<stdin>", SkipReason::Unreadable(e.to_string())),
    }
}
