//! Per-event costs of each step of an invocation, per sample family: envelope + typed parse,
//! routing (business logic and output building), and output serialization; plus one full
//! invocation through `routes()` without a socket for each load-test body.
//! Run with `cargo bench --bench invocation`.

mod common;
use std::path::Path;
use std::sync::Arc;

use acs_event_handler::app::App;
use acs_event_handler::events::parse_delivery;
use acs_event_handler::handlers::dispatch::Dispatcher;
use acs_event_handler::host::protocol::InvocationResult;
use acs_event_handler::host::server::routes;
use acs_event_handler::settings::Settings;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn steps(c: &mut Criterion) {
    let settings = Settings::default();
    let dispatcher = Dispatcher::from_settings(&settings).unwrap();
    for (family, samples) in common::family_samples() {
        let mut group = c.benchmark_group(format!("step/{family}"));
        group.throughput(Throughput::Elements(samples.len() as u64));
        group.bench_function("parse", |b| {
            b.iter(|| {
                for sample in &samples {
                    black_box(parse_delivery(black_box(sample)).expect("sample"));
                }
            })
        });
        let parsed: Vec<_> = samples
            .iter()
            .flat_map(|s| parse_delivery(s).expect("sample"))
            .collect();
        group.bench_function("route", |b| {
            b.iter(|| {
                for event in &parsed {
                    let mut result = InvocationResult::default();
                    black_box(dispatcher.route(event.clone(), &mut result));
                    black_box(result);
                }
            })
        });
        let results: Vec<InvocationResult> = parsed
            .iter()
            .map(|event| {
                let mut result = InvocationResult::default();
                dispatcher.route(event.clone(), &mut result);
                result
            })
            .collect();
        group.bench_function("serialize", |b| {
            b.iter(|| {
                for result in &results {
                    black_box(result.to_json());
                }
            })
        });
        group.finish();
    }
}

fn invocation(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = Arc::new(App::new(&Settings::default()).expect("settings"));
    let filter = routes(app);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bodies");
    let mut group = c.benchmark_group("invocation");
    for name in [
        "sms-received",
        "sms-stop",
        "sms-delivery-report",
        "chat-message-received",
        "unknown-type",
    ] {
        let body = std::fs::read(dir.join(format!("{name}.json"))).expect("body");
        group.bench_function(name, |b| {
            b.iter(|| {
                let reply = runtime.block_on(
                    warp::test::request()
                        .method("POST")
                        .path("/EventGridTrigger")
                        .body(body.clone())
                        .reply(&filter),
                );
                assert_eq!(reply.status(), 200);
                black_box(reply);
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = steps, invocation
}
criterion_main!(benches);
