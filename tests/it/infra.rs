//! The deployment's event subscription filter (`infra/event-filter.json`, loaded by
//! `infra/main.bicep`) checked with our own filter module: it must deliver every event type the
//! router hands to a business module, and nothing else.

use acs_event_handler::cli::sample::{fresh_sample, OutputSchema};
use acs_event_handler::events::{event_types, parse_delivery};
use acs_event_handler::filter::Filter;
use acs_event_handler::host::protocol::InvocationResult;
use acs_event_handler::router::{Route, Router};
use acs_event_handler::settings::Settings;

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn infra_filter_delivers_exactly_the_types_the_router_handles() {
    let filter = Filter::parse(&repo_file("infra/event-filter.json")).expect("valid filter");
    assert!(filter.warnings().is_empty(), "{:?}", filter.warnings());
    let settings = Settings::default();
    let router = Router::from_settings(&settings).unwrap();
    let mut handled = 0;
    for event_type in event_types::ALL {
        for schema in [OutputSchema::Eventgrid, OutputSchema::Cloudevents] {
            let sample = fresh_sample(event_type, schema).unwrap();
            let bytes = serde_json::to_vec(&sample).unwrap();
            let event = parse_delivery(&bytes).unwrap().remove(0);
            let mut result = InvocationResult::default();
            let route = router.route(event, &mut result);
            let owned = matches!(route, Route::Sms | Route::Chat | Route::Email);
            let event_json = if sample.is_array() {
                sample[0].clone()
            } else {
                sample.clone()
            };
            let decision = filter.evaluate(&event_json);
            assert_eq!(
                decision.delivered, owned,
                "{event_type} ({schema:?}): routed to {route:?}, filter says {}",
                decision.reason
            );
            handled += usize::from(owned && schema == OutputSchema::Eventgrid);
        }
    }
    assert_eq!(handled, 22, "2 SMS, 18 chat and 2 e-mail types are handled");
}

#[test]
fn bicep_template_loads_the_filter_and_never_holds_a_secret() {
    let bicep = repo_file("infra/main.bicep");
    assert!(bicep.contains("loadJsonContent('event-filter.json')"));
    assert!(bicep.contains("filter: eventFilter"));
    assert!(
        bicep.contains("acs.listKeys().primaryConnectionString"),
        "ACS connection string comes from the resource"
    );
    // Every table and queue any function binds to (its trigger, inputs and outputs) must exist:
    // a table input fails on a missing table, and nothing creates a queue a trigger listens on.
    let mut names = Vec::new();
    for entry in std::fs::read_dir(env!("CARGO_MANIFEST_DIR")).unwrap() {
        let path = entry.unwrap().path().join("function.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for binding in json["bindings"].as_array().unwrap() {
            for key in ["tableName", "queueName"] {
                if let Some(name) = binding[key].as_str() {
                    names.push(name.to_owned());
                }
            }
            // A blob path's container (`acs-events-raw/{id}.json`).
            if let Some(path) = binding["path"].as_str() {
                names.extend(path.split('/').next().map(str::to_owned));
            }
        }
    }
    for expected in ["sms-optout-sync", "acs-events-raw", "EmailRecipients"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    for name in &names {
        assert!(
            bicep.contains(&format!("'{name}'")),
            "{name} is created by the template"
        );
    }
    let parameters = repo_file("infra/main.parameters.json");
    assert!(!parameters.to_ascii_lowercase().contains("accesskey"));
}
