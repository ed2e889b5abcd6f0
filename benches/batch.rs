//! Cost per event of an `EventHubTrigger` batch invocation (100 and 500 events, through
//! `routes()` without a socket), compared in the same run with parsing the same body into
//! `serde_json::Value`, and with the same events one by one through the webhook path
//! (`EventGridTrigger`). Run with `cargo bench --bench batch`; after criterion's own report it
//! prints a table of the per-event figures and the ratios (target: a batch costs at most 1.5×
//! the `Value` parse per event).
//!
//! "Parsing the same body into `Value`" means reading its events as untyped data, which takes as
//! many layers as the host wrapped them in: the body, then `Data.events` (a JSON string of the
//! array of bodies), then each body (a string holding `[event]`). Parsing only the outer body
//! is printed too: it leaves the events as one unread string.
//!
//! Figures are the median over criterion's samples of the time per iteration, measured by
//! criterion (`iter_custom`), so the ratios come from one run on one machine: absolute times
//! move with whatever else the machine runs, ratios much less.

#[path = "common/batch.rs"]
mod batch;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use acs_event_handler::app::App;
use acs_event_handler::handlers::dispatch::Dispatcher;
use acs_event_handler::host::outputs::dedupe;
use acs_event_handler::host::protocol::{InvocationResult, StringTrigger};
use acs_event_handler::host::server::routes;
use acs_event_handler::host::triggers::{message_events_in_text, EVENT_HUB_BINDING};
use acs_event_handler::settings::Settings;
use criterion::{black_box, Criterion, Throughput};
use serde_json::Value;

/// The handler binary's allocator (src/main.rs), so that a batch's large buffers (the decoded
/// batch, the reply) cost here what they cost the handler: with the system allocator every
/// buffer over its mmap threshold is mapped and faulted in afresh on each invocation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Per-sample nanoseconds per iteration, by `group/function`.
static SAMPLES: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Ratios measured interleaved (see [`interleaved`]), by name.
static RATIOS: Mutex<BTreeMap<String, f64>> = Mutex::new(BTreeMap::new());

/// The ratio of the time per call of `a` to that of `b`, measured in alternating rounds of
/// about 20 ms each and given as the median over the rounds: a machine whose load changes while
/// the benchmark runs (other builds) slows both sides of a round alike, where criterion, which
/// measures one function after the other, would see the change as a difference between them.
fn interleaved(name: &str, mut a: impl FnMut(), mut b: impl FnMut(), rounds: usize) {
    let per_call = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64().max(1e-7)
    };
    let calls_a = ((0.02 / per_call(&mut a)) as usize).max(1);
    let calls_b = ((0.02 / per_call(&mut b)) as usize).max(1);
    let mut ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..calls_a {
            a();
        }
        let time_a = start.elapsed().as_secs_f64() / calls_a as f64;
        let start = Instant::now();
        for _ in 0..calls_b {
            b();
        }
        let time_b = start.elapsed().as_secs_f64() / calls_b as f64;
        ratios.push(time_a / time_b);
    }
    ratios.sort_by(f64::total_cmp);
    if let (Ok(mut all), Some(median)) = (RATIOS.lock(), ratios.get(rounds / 2)) {
        all.insert(name.to_owned(), *median);
    }
}

fn record(name: &str, iters: u64, elapsed: Duration) {
    if let Ok(mut samples) = SAMPLES.lock() {
        samples
            .entry(name.to_owned())
            .or_default()
            .push(elapsed.as_nanos() as f64 / iters.max(1) as f64);
    }
}

/// Times `f` the way criterion asks, and keeps the figure for the table.
fn timed(name: String, mut f: impl FnMut()) -> impl FnMut(u64) -> Duration {
    move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        let elapsed = start.elapsed();
        record(&name, iters, elapsed);
        elapsed
    }
}

/// Every event of a batch body as `Value`s, through each layer the host wrapped them in.
fn parse_as_values(body: &[u8]) -> Vec<Value> {
    let envelope: Value = serde_json::from_slice(body).expect("JSON body");
    let text = envelope["Data"]["events"]
        .as_str()
        .expect("a string of bodies");
    let bodies: Vec<String> = serde_json::from_str(text).expect("an array of strings");
    bodies
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).expect("a JSON body"))
        .collect()
}

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = Arc::new(App::new(&Settings::default()).expect("settings"));
    let filter = routes(app);
    let events = batch::distinct_events(root, 500);
    let dispatcher = Dispatcher::from_settings(&Settings::default()).expect("settings");
    // The steps of an invocation, cumulatively: decoding the trigger value into events, then
    // routing them (business logic and building outputs), then dropping repeated outputs, then
    // writing the reply. The full invocation adds the HTTP filter.
    let steps = |body: &[u8], upto: usize| {
        // As `App::broker` reads the host's form.
        let trigger = StringTrigger::parse(body, EVENT_HUB_BINDING).expect("a string trigger");
        let delivery = message_events_in_text(&trigger.text);
        if upto == 0 {
            return black_box(delivery.len());
        }
        let mut result = InvocationResult::default();
        for event in delivery {
            dispatcher.route(event, &mut result);
        }
        if upto >= 2 {
            dedupe(&mut result.outputs);
        }
        if upto >= 3 {
            return black_box(result.to_json().len());
        }
        black_box(result.outputs.len())
    };
    let invoke = |path: &'static str, body: &[u8]| {
        let reply = runtime.block_on(
            warp::test::request()
                .method("POST")
                .path(path)
                .body(body)
                .reply(&filter),
        );
        assert_eq!(reply.status(), 200);
        black_box(reply);
    };
    for n in [100, 500] {
        let body = batch::event_hub_body(&events[..n]);
        assert_eq!(parse_as_values(&body).len(), n);
        let group_name = format!("batch-{n}");
        let mut group = c.benchmark_group(&group_name);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function("invoke", |b| {
            b.iter_custom(timed(format!("{group_name}/invoke"), || {
                invoke("/EventHubTrigger", &body)
            }))
        });
        for (step, upto) in [
            ("decode", 0),
            ("decode+route", 1),
            ("decode+route+dedupe", 2),
            ("decode+route+dedupe+reply", 3),
        ] {
            group.bench_function(step, |b| {
                b.iter_custom(timed(format!("{group_name}/{step}"), || {
                    black_box(steps(black_box(&body), upto));
                }))
            });
        }
        group.bench_function("value", |b| {
            b.iter_custom(timed(format!("{group_name}/value"), || {
                black_box(parse_as_values(black_box(&body)));
            }))
        });
        group.bench_function("value-outer", |b| {
            b.iter_custom(timed(format!("{group_name}/value-outer"), || {
                black_box(serde_json::from_slice::<Value>(black_box(&body)).expect("JSON"));
            }))
        });
        group.finish();
    }
    // The webhook path: the first 100 of the same events, one invocation each.
    let singles: Vec<Vec<u8>> = events[..100].iter().map(batch::event_grid_body).collect();
    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Elements(singles.len() as u64));
    group.bench_function("invoke-100-singly", |b| {
        b.iter_custom(timed("webhook/invoke-100-singly".to_owned(), || {
            for body in &singles {
                invoke("/EventGridTrigger", body);
            }
        }))
    });
    group.finish();

    // The ratios the targets are about, measured interleaved (criterion's own figures above are
    // one benchmark after the other).
    for n in [100, 500] {
        let body = batch::event_hub_body(&events[..n]);
        interleaved(
            &format!("batch-{n}: invocation / Value, every layer"),
            || invoke("/EventHubTrigger", &body),
            || {
                black_box(parse_as_values(black_box(&body)));
            },
            40,
        );
        let singles_n: Vec<&Vec<u8>> = singles.iter().cycle().take(n).collect();
        interleaved(
            &format!("batch-{n}: invocation / {n} events one by one through the webhook"),
            || invoke("/EventHubTrigger", &body),
            || {
                for body in &singles_n {
                    invoke("/EventGridTrigger", body);
                }
            },
            20,
        );
    }
}

/// The median of the recorded samples of `name`, in ns per iteration.
fn median(samples: &BTreeMap<String, Vec<f64>>, name: &str) -> Option<f64> {
    let mut values = samples.get(name)?.clone();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

fn report() {
    let Ok(samples) = SAMPLES.lock() else { return };
    println!();
    println!("Per event, median of criterion's samples (µs):");
    println!("| batch | invocation | Value, every layer | ratio | target ≤ 1.5× | Value, outer body only | ratio |");
    println!("|---:|---:|---:|---:|---|---:|---:|");
    let webhook = median(&samples, "webhook/invoke-100-singly").map(|ns| ns / 100.0);
    let mut per_event_500 = None;
    for n in [100usize, 500] {
        let per_event =
            |f: &str| median(&samples, &format!("batch-{n}/{f}")).map(|ns| ns / n as f64 / 1000.0);
        let (Some(invoke), Some(value), Some(outer)) = (
            per_event("invoke"),
            per_event("value"),
            per_event("value-outer"),
        ) else {
            println!("| {n} | (not run: filtered out) | | | | | |");
            continue;
        };
        let ratio = invoke / value;
        println!(
            "| {n} | {invoke:.3} | {value:.3} | {ratio:.2}× | {} | {outer:.3} | {:.2}× |",
            if ratio <= 1.5 { "met" } else { "NOT met" },
            invoke / outer
        );
        if n == 500 {
            per_event_500 = Some(invoke);
        }
        if let Some(webhook) = webhook {
            let webhook = webhook / 1000.0;
            println!(
                "|  | webhook, one event per invocation: {webhook:.3} µs per event; the batch of {n} costs {:.2}× that per event |  |  |  |  |  |",
                invoke / webhook
            );
        }
    }
    println!();
    println!(
        "Where a batch event's time goes (µs per event, cumulative steps; then the HTTP filter):"
    );
    println!("| batch | decode | + route | + dedupe | + reply | invocation |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in [100usize, 500] {
        let cell = |f: &str| {
            median(&samples, &format!("batch-{n}/{f}"))
                .map(|ns| format!("{:.3}", ns / n as f64 / 1000.0))
                .unwrap_or_else(|| "-".to_owned())
        };
        println!(
            "| {n} | {} | {} | {} | {} | {} |",
            cell("decode"),
            cell("decode+route"),
            cell("decode+route+dedupe"),
            cell("decode+route+dedupe+reply"),
            cell("invoke")
        );
    }
    if let Ok(ratios) = RATIOS.lock() {
        if !ratios.is_empty() {
            println!();
            println!("Ratios measured interleaved (median of alternating ~20 ms rounds; the figures to quote):");
            println!("| ratio | value | target |");
            println!("|---|---:|---|");
            for (name, ratio) in ratios.iter() {
                let target = if name.contains("Value") {
                    if *ratio <= 1.5 {
                        "≤ 1.5×: met"
                    } else {
                        "≤ 1.5×: NOT met"
                    }
                } else {
                    "—"
                };
                println!("| {name} | {ratio:.2}× | {target} |");
            }
        }
    }
    if let Some(invoke) = per_event_500 {
        println!();
        println!(
            "One core at this cost handles {:.0} events/s in 500-event batches (handler work only; the host's own work is not in it).",
            1e6 / invoke
        );
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
    report();
}
