//! The deployment's event subscription filter (`infra/event-filter.json`, loaded by
//! `infra/main.bicep`) checked with our own filter module: it must deliver every event type the
//! dispatcher hands to a business module, and nothing else.

use acs_event_handler::cli::sample::{fresh_sample, OutputSchema};
use acs_event_handler::events::filter::Filter;
use acs_event_handler::events::{event_types, parse_delivery};
use acs_event_handler::handlers::dispatch::{Dispatcher, Route};
use acs_event_handler::host::protocol::InvocationResult;
use acs_event_handler::settings::Settings;

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn infra_filter_delivers_exactly_the_types_the_dispatcher_handles() {
    let filter = Filter::parse(&repo_file("infra/event-filter.json")).expect("valid filter");
    assert!(filter.warnings().is_empty(), "{:?}", filter.warnings());
    let settings = Settings::default();
    let dispatcher = Dispatcher::from_settings(&settings).unwrap();
    let mut handled = 0;
    for event_type in event_types::ALL {
        for schema in [OutputSchema::Eventgrid, OutputSchema::Cloudevents] {
            let sample = fresh_sample(event_type, schema).unwrap();
            let bytes = serde_json::to_vec(&sample).unwrap();
            let event = parse_delivery(&bytes).unwrap().remove(0);
            let mut result = InvocationResult::default();
            let route = dispatcher.route(event, &mut result);
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
        // A name from an app setting (`%SERVICE_BUS_QUEUE_NAME%`): the template sets it.
        let literal = match name.strip_prefix('%').and_then(|n| n.strip_suffix('%')) {
            Some(setting) => setting_value(&bicep, setting),
            None => name.clone(),
        };
        assert!(
            bicep.contains(&format!("'{literal}'")),
            "{name} is created by the template"
        );
    }
    let parameters = repo_file("infra/main.parameters.json");
    assert!(!parameters.to_ascii_lowercase().contains("accesskey"));
}

/// The value the template gives an app setting (`{ name: 'X', value: 'v' }` or `value: var`,
/// with `var = 'v'`).
fn setting_value(bicep: &str, setting: &str) -> String {
    let at = bicep
        .find(&format!("{{ name: '{setting}', value: "))
        .unwrap_or_else(|| panic!("the template sets {setting}"));
    let rest = &bicep[at..];
    let value = rest
        .split("value: ")
        .nth(1)
        .unwrap()
        .split(" }")
        .next()
        .unwrap();
    match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(literal) => literal.to_owned(),
        None => {
            let definition = format!("var {value} = '");
            let from = bicep
                .find(&definition)
                .unwrap_or_else(|| panic!("{setting}: no {definition}"));
            bicep[from + definition.len()..]
                .split('\'')
                .next()
                .unwrap()
                .to_owned()
        }
    }
}

/// Every binding of every function.json, with its function's name.
fn all_bindings() -> Vec<(String, serde_json::Value)> {
    let mut all = Vec::new();
    for function in function_names() {
        let text = repo_file(&format!("{function}/function.json"));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for binding in json["bindings"].as_array().unwrap() {
            all.push((function.clone(), binding.clone()));
        }
    }
    all
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
    // Always-ready instances name the delivery's function, and each it may be exists.
    let ready = block(&bicep, "alwaysReady:", "              : []");
    assert!(
        ready.contains("name: 'function:${deliveryFunction}'"),
        "{ready}"
    );
    let names = function_names();
    let choice = bicep
        .lines()
        .find(|l| l.starts_with("var deliveryFunction = "))
        .expect("var deliveryFunction");
    let named = choice.split('\'').skip(1).step_by(2).collect::<Vec<_>>();
    assert_eq!(
        named,
        ["EventHubTrigger", "ServiceBusTrigger", "EventGridTrigger"],
        "{choice}"
    );
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

// The sources for each resource property are in docs/eventhubs-servicebus.md §4.
#[test]
fn bicep_delivery_parameter_creates_the_broker_and_subscription_it_names() {
    let bicep = repo_file("infra/main.bicep");
    let allowed = block(
        &bicep,
        "@allowed([\n  'webhook'",
        "param delivery string = 'webhook'",
    );
    assert!(
        allowed.contains("'eventHubs'") && allowed.contains("'serviceBus'"),
        "{allowed}"
    );
    for expected in [
        // Event Hubs: namespace and hub, partitions from a parameter, our consumer group.
        "resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' = if (useEventHubs)",
        "resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = if (useEventHubs)",
        "partitionCount: eventHubPartitionCount",
        "param eventHubPartitionCount int = 8",
        "consumergroups@2024-01-01' = if (useEventHubs)",
        // Service Bus: a queue with dead-lettering on.
        "resource serviceBusQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = if (useServiceBus)",
        "deadLetteringOnMessageExpiration: true",
        "maxDeliveryCount: 10",
        "requiresSession: false",
        // The subscription delivers to the one `delivery` names, with the topic's identity.
        "endpointType: 'EventHub'",
        "endpointType: 'ServiceBusQueue'",
        "destination: delivery == 'webhook' ? webhookDestination : null",
        "destination: useEventHubs ? eventHubDestination : serviceBusDestination",
        "if (deployEventSubscription || delivery != 'webhook')",
    ] {
        assert!(bicep.contains(expected), "the template has {expected:?}");
    }
    // No keys: both namespaces refuse them, and the connections are identity-based.
    assert_eq!(bicep.matches("disableLocalAuth: true").count(), 2);
    let from = bicep
        .find("// ---- Event Hubs and Service Bus delivery")
        .unwrap();
    let to = bicep.find("resource workspace ").unwrap();
    let broker = &bicep[from..to];
    assert!(!broker.contains("listKeys"), "{broker}");
    let settings = block(&bicep, "var deliverySettings = concat([", "] : [])");
    assert!(
        !settings.contains("listKeys")
            && !settings.to_ascii_lowercase().contains("sharedaccesskey")
    );
    // Each trigger's `connection` is wired as an identity-based connection, and the trigger of
    // another delivery is disabled.
    for (function, binding) in all_bindings() {
        let kind = binding["type"].as_str().unwrap();
        if kind != "eventHubTrigger" && kind != "serviceBusTrigger" {
            continue;
        }
        let connection = binding["connection"].as_str().unwrap();
        for suffix in [
            "__fullyQualifiedNamespace'",
            "__credential', value: 'managedidentity'",
        ] {
            assert!(
                settings.contains(&format!("name: '{connection}{suffix}")),
                "{function}: {connection}{suffix}"
            );
        }
        assert!(
            settings.contains(&format!("name: 'AzureWebJobs.{function}.Disabled'")),
            "{function} is disabled unless its delivery is chosen"
        );
    }
    // The roles: the app reads, the system topic sends.
    for role in [
        "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
        "2b629674-e913-4c01-ae53-ef4638d8f975",
        "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
        "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    ] {
        assert!(bicep.contains(role), "{role}");
    }
    assert!(bicep.contains("principalId: systemTopic.identity.principalId"));
}

#[test]
fn every_app_setting_a_function_names_is_set_by_the_template_and_the_example() {
    let bicep = repo_file("infra/main.bicep");
    let example: serde_json::Value =
        serde_json::from_str(&repo_file("local.settings.json.example")).unwrap();
    let mut seen = 0;
    for (function, binding) in all_bindings() {
        for (key, value) in binding.as_object().unwrap() {
            let Some(text) = value.as_str() else { continue };
            let setting = match text.strip_prefix('%').and_then(|t| t.strip_suffix('%')) {
                Some(setting) => setting.to_owned(),
                None if key == "connection" && text != "AzureWebJobsStorage" => text.to_owned(),
                None => continue,
            };
            seen += 1;
            if key == "connection" {
                assert!(
                    bicep.contains(&format!("name: '{setting}__fullyQualifiedNamespace'")),
                    "{function}.{key}: {setting}"
                );
            } else {
                setting_value(&bicep, &setting);
            }
            // A connection locally: identity-based too (your `az login`).
            let local = if key == "connection" {
                format!("{setting}__fullyQualifiedNamespace")
            } else {
                setting.clone()
            };
            assert!(
                example["Values"].get(&local).is_some(),
                "{function}.{key}: {local} is in local.settings.json.example"
            );
        }
    }
    assert!(seen >= 5, "{seen}");
    // Locally there is no hub or queue unless you make one: both triggers start disabled.
    for function in ["EventHubTrigger", "ServiceBusTrigger"] {
        assert_eq!(
            example["Values"][format!("AzureWebJobs.{function}.Disabled")],
            "true"
        );
    }
}
