//! Start-up cost: spawn-to-first-answer on `GET /` and spawn-to-first-successful invocation,
//! median (and p90) of N runs, for the handler and the floor side by side.
//!
//! `cargo build --release --bin handler --example floor --example startup &&
//!  target/release/examples/startup [RUNS]` (default 25 runs). `scripts/loadtest.sh` runs it too.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(38_123)
}

/// One HTTP/1.1 request on a fresh connection; the status code, or None if not answered.
fn request(port: u16, head: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_nodelay(true).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut request = head.as_bytes().to_vec();
    request.extend_from_slice(body);
    stream.write_all(&request).ok()?;
    let mut buffer = [0u8; 64];
    let n = stream.read(&mut buffer).ok()?;
    std::str::from_utf8(&buffer[..n])
        .ok()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Spawns `binary` and returns the time until `probe` first succeeds.
fn measure(binary: &Path, probe: &dyn Fn(u16) -> bool) -> Duration {
    let port = free_port();
    let start = Instant::now();
    let mut child = Command::new(binary)
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let elapsed = loop {
        if probe(port) {
            break start.elapsed();
        }
        if start.elapsed() > Duration::from_secs(10) {
            panic!("{} did not answer within 10 s", binary.display());
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(25);
    let release = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release");
    let mut targets = vec![
        ("floor".to_owned(), release.join("examples/floor")),
        ("handler".to_owned(), release.join("handler")),
    ];
    // More binaries to compare in the same run, e.g. `before=/tmp/handler.before`.
    for extra in args {
        match extra.split_once('=') {
            Some((name, path)) => targets.push((name.to_owned(), PathBuf::from(path))),
            None => {
                eprintln!("usage: startup [RUNS] [NAME=PATH]...");
                std::process::exit(2);
            }
        }
    }
    let body = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bodies/sms-received.json"),
    )
    .expect("body");
    let post_head = format!(
        "POST /EventGridTrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let get_head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let ready = |port: u16| request(port, get_head, b"").is_some();
    let invoked = |port: u16| request(port, &post_head, &body) == Some(200);

    println!(
        "start-up, {runs} runs each (spawn → first answer), on {} cores, targets interleaved",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    // Warm the page cache once per binary, then measure round-robin: whatever else the machine
    // does during the run then falls on every target alike.
    for (_, binary) in &targets {
        let _ = measure(binary, &ready);
    }
    let mut ready_times = vec![Vec::with_capacity(runs); targets.len()];
    let mut invoke_times = vec![Vec::with_capacity(runs); targets.len()];
    for _ in 0..runs {
        for (i, (_, binary)) in targets.iter().enumerate() {
            ready_times[i].push(measure(binary, &ready));
            invoke_times[i].push(measure(binary, &invoked));
        }
    }
    println!("| target   | GET / median (ms) | GET / p90 (ms) | first invocation median (ms) | p90 (ms) | ratio to floor (GET / · invocation) |");
    println!("|----------|------------------:|---------------:|-----------------------------:|---------:|------------------------------------:|");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut floor = None;
    for (i, (name, _)) in targets.iter().enumerate() {
        let (r50, r90) = (
            percentile(&mut ready_times[i], 0.5),
            percentile(&mut ready_times[i], 0.9),
        );
        let (i50, i90) = (
            percentile(&mut invoke_times[i], 0.5),
            percentile(&mut invoke_times[i], 0.9),
        );
        let (f_ready, f_invoke) = *floor.get_or_insert((r50, i50));
        println!(
            "| {name:<8} | {:>17.2} | {:>14.2} | {:>28.2} | {:>8.2} | {:>16.2} · {:<18.2} |",
            ms(r50),
            ms(r90),
            ms(i50),
            ms(i90),
            r50.as_secs_f64() / f_ready.as_secs_f64(),
            i50.as_secs_f64() / f_invoke.as_secs_f64(),
        );
    }
}
