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
            let owned = matches!(
                route,
                Route::Sms | Route::Chat | Route::Email | Route::WhatsApp
            );
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
    assert_eq!(
        handled, 24,
        "2 SMS, 18 chat, 2 e-mail and 2 WhatsApp types are handled"
    );
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
    for expected in [
        "sms-optout-sync",
        "acs-events-raw",
        "EmailRecipients",
        "whatsapp-outbox",
        "WhatsAppOptOuts",
        "whatsapp-delivery-failures",
    ] {
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

/// The text between `start` and the first line after it that is exactly `end`.
fn block<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} is in the template"));
    let rest = &text[from..];
    let to = rest
        .find(&format!("\n{end}\n"))
        .unwrap_or_else(|| panic!("{start} ends with {end}"));
    &rest[..to]
}

/// The function folders at the repository root (each directory holding a function.json).
fn function_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            path.join("function.json")
                .is_file()
                .then(|| path.file_name().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

// docs/hosting.md gives the sources for each rule checked here (Flex Consumption's runtime-stack
// data for `custom` 1.0, its memory sizes and scale range; the settings Flex does not take).
#[test]
fn bicep_template_defaults_to_flex_consumption_and_keeps_linux_consumption() {
    let bicep = repo_file("infra/main.bicep");
    let plan = block(
        &bicep,
        "@allowed([\n  'flexConsumption'",
        "param hostingPlan string = 'flexConsumption'",
    );
    assert!(plan.contains("'consumption'"), "{plan}");
    assert!(bicep.contains("param hostingPlan string = 'flexConsumption'"));
    let parameters: serde_json::Value =
        serde_json::from_str(&repo_file("infra/main.parameters.json")).unwrap();
    assert_eq!(
        parameters["parameters"]["hostingPlan"]["value"],
        "flexConsumption"
    );
    for expected in [
        "name: 'FC1'",
        "tier: 'FlexConsumption'",
        "name: 'Y1'",
        "tier: 'Dynamic'",
        // The platform's runtime-stack entry for custom handlers on FC1.
        "name: 'custom'\n            version: '1.0'",
        "type: 'blobContainer'",
        "type: 'SystemAssignedIdentity'",
        "instanceMemoryMB: instanceMemoryMB",
        "maximumInstanceCount: maximumInstanceCount",
    ] {
        assert!(bicep.contains(expected), "the template has {expected:?}");
    }
    // The sizes and the scale range the FC1 stack data allows.
    let memory = block(
        &bicep,
        "@allowed([\n  512",
        "param instanceMemoryMB int = 2048",
    );
    assert!(
        memory.contains("2048") && memory.contains("4096"),
        "{memory}"
    );
    assert!(bicep.contains("@minValue(40)\n@maxValue(1000)\nparam maximumInstanceCount int = 100"));
}

#[test]
fn flex_consumption_settings_hold_no_storage_key_and_nothing_flex_refuses() {
    let bicep = repo_file("infra/main.bicep");
    let flex = block(&bicep, "var flexHostSettings = [", "]");
    for refused in [
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_RUN_FROM_PACKAGE",
        "storageConnection",
        "listKeys",
    ] {
        assert!(
            !flex.contains(refused),
            "Flex settings must not hold {refused}"
        );
    }
    // Every binding uses the AzureWebJobsStorage connection, so the identity-based form must
    // name each service the bindings reach.
    for service in ["blob", "queue", "table"] {
        assert!(
            flex.contains(&format!("AzureWebJobsStorage__{service}ServiceUri")),
            "{service}"
        );
    }
    assert!(flex.contains("AzureWebJobsStorage__credential', value: 'managedidentity'"));
    // The roles that identity needs are granted (blob owner, queue and table contributor).
    for role in [
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    ] {
        assert!(bicep.contains(role), "{role}");
    }
    // Always-ready instances name a function that exists.
    let ready = block(&bicep, "alwaysReady:", "              : []");
    let names = function_names();
    let named = ready
        .split("name: 'function:")
        .skip(1)
        .map(|rest| rest.split('\'').next().unwrap())
        .collect::<Vec<_>>();
    assert!(!named.is_empty(), "{ready}");
    for name in named {
        assert!(
            names.iter().any(|n| n == name),
            "{name} is not one of {names:?}"
        );
    }
}

/// Every function folder is answered by the running server, and nothing else is: a folder the
/// server does not know gets 404 from the live handler (the host retries it as a failure) even
/// though in-process tests of its code pass. `SmsOptOutSync` was once missing from the list.
#[test]
fn the_server_answers_every_function_folder_and_only_those() {
    use acs_event_handler::app::App;
    let mut served: Vec<String> = App::FUNCTIONS.iter().map(|f| f.to_string()).collect();
    served.sort();
    assert_eq!(served, function_names());

    let handler = crate::harness::Handler::start(&[]);
    for name in function_names() {
        let reply = handler.invoke(&name, b"{}");
        assert_ne!(reply.status, 404, "{name} is not served: {reply:?}");
    }
    assert_eq!(handler.invoke("NoSuchFunction", b"{}").status, 404);
}
