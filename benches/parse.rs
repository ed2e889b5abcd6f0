//! Parsing cost per sample family: bytes → typed events (`parse_delivery`, which also keeps the
//! raw JSON) against bytes → `serde_json::Value` (the untyped floor). Run with
//! `cargo bench --bench parse`; each group reports `typed` and `value` side by side.

use std::path::Path;

use acs_event_handler::events::parse_delivery;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn family_samples() -> Vec<(String, Vec<Vec<u8>>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("samples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut families: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for file in files {
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // docs-sms__SMSReceived.json → "sms"; docs2020__… → "2020"; spec-ce__… → "cloudevents".
        let prefix = name.split("__").next().unwrap_or_default();
        let family = match prefix {
            "docs2020" => "2020".to_owned(),
            "spec-ce" => "cloudevents".to_owned(),
            other => other.trim_start_matches("docs-").to_owned(),
        };
        let bytes = std::fs::read(&file).expect("sample");
        match families.iter_mut().find(|(f, _)| *f == family) {
            Some((_, list)) => list.push(bytes),
            None => families.push((family, vec![bytes])),
        }
    }
    families
}

fn parse(c: &mut Criterion) {
    for (family, samples) in family_samples() {
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
