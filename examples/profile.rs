//! Runs the load-test bodies through `App::invoke` (no socket) many times, for profiling with
//! `valgrind --tool=callgrind target/release/examples/profile 2000` (instruction counts are
//! repeatable, unlike wall-clock time on a shared machine).

use std::path::Path;

use acs_event_handler::app::App;
use acs_event_handler::settings::Settings;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bodies");
    let bodies: Vec<Vec<u8>> = [
        "sms-received",
        "sms-stop",
        "sms-delivery-report",
        "chat-message-received",
        "unknown-type",
    ]
    .iter()
    .map(|name| std::fs::read(dir.join(format!("{name}.json"))).expect("body"))
    .collect();
    let app = App::new(&Settings::default()).expect("settings");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut bytes = 0;
    runtime.block_on(async {
        for _ in 0..rounds {
            for body in &bodies {
                let reply = app.invoke("EventGridTrigger", body).await;
                assert_eq!(reply.status, 200);
                bytes += reply.body.len();
            }
        }
    });
    println!("{} invocations, {bytes} reply bytes", rounds * bodies.len());
}
