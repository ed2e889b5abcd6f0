//! Writes the Event Hubs batch bodies the batch load test posts (`scripts/loadtest-batch.sh`):
//! `cargo run --example batch_body -- <dir> 100 500` writes `<dir>/batch-100.json` and
//! `<dir>/batch-500.json`, and `<dir>/single-<i>.json`, the same first events one by one for
//! the webhook path. The bodies are the ones `benches/batch.rs` measures.

#[path = "../benches/common/batch.rs"]
mod batch;

use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: batch_body <dir> <n>...");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).expect("output directory");
    let sizes: Vec<usize> = args.map(|n| n.parse().expect("a batch size")).collect();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let events = batch::distinct_events(root, largest);
    for n in sizes {
        let path = Path::new(&dir).join(format!("batch-{n}.json"));
        std::fs::write(&path, batch::event_hub_body(&events[..n])).expect("write body");
    }
    // The webhook path gets the same distinct events, one per invocation.
    for (i, event) in events.iter().take(100).enumerate() {
        let path = Path::new(&dir).join(format!("single-{i}.json"));
        std::fs::write(&path, batch::event_grid_body(event)).expect("write body");
    }
}
