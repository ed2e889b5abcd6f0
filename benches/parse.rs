//! Parsing cost per sample family: bytes → typed events (`parse_delivery`, which also keeps the
//! raw JSON) against bytes → `serde_json::Value` (the untyped floor). Run with
//! `cargo bench --bench parse`; each group reports `typed` and `value` side by side.

mod common;

use acs_event_handler::events::parse_delivery;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn parse(c: &mut Criterion) {
    for (family, samples) in common::family_samples() {
        let mut group = c.benchmark_group(format!("parse/{family}"));
        group.throughput(Throughput::Elements(samples.len() as u64));
        group.bench_function("typed", |b| {
            b.iter(|| {
                for sample in &samples {
                    let delivery = parse_delivery(black_box(sample)).expect("valid sample");
                    black_box(delivery);
                }
            })
        });
        group.bench_function("value", |b| {
            b.iter(|| {
                for sample in &samples {
                    let value: serde_json::Value =
                        serde_json::from_slice(black_box(sample)).expect("valid sample");
                    black_box(value);
                }
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = parse
}
criterion_main!(benches);
