//! The SAM template and the local router must offer the same routes, sent to the same
//! functions, so that `make dev` answers exactly as API Gateway will.

use loyalty::store::keys::{DUE_INDEX, MEMBERS_INDEX, PERSON_INDEX};
use std::collections::BTreeSet;

type Routes = BTreeSet<(String, String, String)>;

fn template_routes() -> Routes {
    let template: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(loyalty_tests::template_path()).unwrap())
            .unwrap();
    let mut routes = Routes::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_string();
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            // The catch-all route has no counterpart on the local router (cargo lambda watch
            // answers an unknown path itself); see the_unknown_paths_get_the_apis_own_404.
            let catch_all = event["Properties"]["Path"].as_str() == Some("$default");
            if event["Type"].as_str() == Some("HttpApi") && !catch_all {
                let properties = &event["Properties"];
                routes.insert((
                    properties["Method"].as_str().unwrap().to_string(),
                    properties["Path"].as_str().unwrap().to_string(),
                    binary.clone(),
                ));
            }
        }
    }
    routes
}

fn local_routes() -> Routes {
    let manifest: toml::Table = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap(),
    )
    .unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let mut routes = Routes::new();
    for (path, targets) in router {
        for target in targets.as_array().unwrap() {
            routes.insert((
                target["method"].as_str().unwrap().to_string(),
                path.clone(),
                target["function"].as_str().unwrap().to_string(),
            ));
        }
    }
    routes
}

#[test]
fn the_sam_template_and_the_cargo_lambda_router_route_alike() {
    let aws = template_routes();
    assert_eq!(aws.len(), 45, "{aws:?}");
    assert_eq!(aws, local_routes());
}

#[test]
fn the_table_definition_has_the_keys_the_store_uses() {
    let definition = loyalty_tests::table_definition();
    let keys: Vec<(&str, &str)> = definition
        .key_schema
        .iter()
        .map(|k| (k.attribute_name.as_str(), k.key_type.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (loyalty::store::keys::PK, "HASH"),
            (loyalty::store::keys::SK, "RANGE")
        ]
    );
}

// What only AWS could show, checked on the template that models it.

fn template() -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(loyalty_tests::template_path()).unwrap()).unwrap()
}

/// A YAML value as text, through `!Ref`, `!GetAtt` and `!Sub` tags: `!GetAtt X.Arn` is
/// `"X.Arn"`, `!Ref X` is `"X"`.
fn text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::Tagged(tagged) => text(&tagged.value),
        other => other.as_str().map(str::to_string).unwrap_or_default(),
    }
}

fn tag(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::Tagged(tagged) => tagged.tag.to_string(),
        _ => String::new(),
    }
}

fn resource<'a>(template: &'a serde_yaml::Value, name: &str) -> &'a serde_yaml::Value {
    let found = &template["Resources"][name];
    assert!(!found.is_null(), "the template has {name}");
    found
}

/// Every statement of a role's inline policies.
fn role_statements(template: &serde_yaml::Value, role: &str) -> Vec<serde_yaml::Value> {
    resource(template, role)["Properties"]["Policies"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["PolicyDocument"]["Statement"]
                .as_sequence()
                .unwrap()
                .clone()
        })
        .collect()
}

#[test]
fn the_stage_is_throttled_and_the_webhook_route_more_tightly() {
    let template = template();
    let api = &resource(&template, "HttpApi")["Properties"];
    let default = &api["DefaultRouteSettings"];
    assert_eq!(
        text(&default["ThrottlingRateLimit"]),
        "ApiThrottlingRateLimit"
    );
    assert_eq!(
        text(&default["ThrottlingBurstLimit"]),
        "ApiThrottlingBurstLimit"
    );
    let webhook = &api["RouteSettings"]["POST /v1/partners/{partnerId}/webhooks"];
    assert_eq!(
        text(&webhook["ThrottlingRateLimit"]),
        "WebhookThrottlingRateLimit"
    );
    let parameter = |name: &str| template["Parameters"][name]["Default"].as_i64().unwrap();
    assert!(parameter("WebhookThrottlingRateLimit") < parameter("ApiThrottlingRateLimit"));
}

#[test]
fn no_secret_is_resolved_into_a_functions_environment() {
    let template = template();
    let raw = std::fs::read_to_string(loyalty_tests::template_path()).unwrap();
    assert!(
        !raw.contains("{{resolve:"),
        "a dynamic reference puts its value where GetFunctionConfiguration shows it"
    );
    let partner = &resource(&template, "PartnerOffersFunction")["Properties"];
    let variable = &partner["Environment"]["Variables"]["LOYALTY_SECRETS_KEY_ARN"];
    assert_eq!(
        (tag(variable).as_str(), text(variable).as_str()),
        ("!Ref", "PartnerSecretsKey")
    );
    let grants: Vec<&serde_yaml::Value> = partner["Policies"][0]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| s["Action"][0].as_str() == Some("secretsmanager:GetSecretValue"))
        .collect();
    assert_eq!(grants.len(), 1);
    assert_eq!(text(&grants[0]["Resource"]), "PartnerSecretsKey");
}

#[test]
fn the_tier_function_reads_only_its_tables_stream_and_its_own_queues() {
    let template = template();
    let function = &resource(&template, "EvaluateTierFunction")["Properties"];
    // With a role of its own, SAM attaches no managed stream or queue policy (Resource "*").
    assert_eq!(text(&function["Role"]), "EvaluateTierRole.Arn");
    assert!(function["Policies"].is_null());
    let managed: Vec<String> =
        resource(&template, "EvaluateTierRole")["Properties"]["ManagedPolicyArns"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(text)
            .collect();
    assert!(
        managed
            .iter()
            .all(|m| !m.contains("DynamoDBExecutionRole") && !m.contains("SQSQueueExecutionRole")),
        "{managed:?}"
    );
    for statement in role_statements(&template, "EvaluateTierRole") {
        let resources: Vec<String> = match &statement["Resource"] {
            serde_yaml::Value::Sequence(items) => items.iter().map(text).collect(),
            one => vec![text(one)],
        };
        assert!(!resources.iter().any(|r| r == "*"), "{statement:?}");
        let actions: Vec<&str> = statement["Action"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        if actions.iter().any(|a| a.starts_with("dynamodb:GetRecords")) {
            assert_eq!(resources, ["LoyaltyTable.StreamArn"]);
        }
        if actions.iter().any(|a| a.starts_with("sqs:ReceiveMessage")) {
            assert_eq!(resources, ["DailyRunQueue.Arn"]);
        }
    }
}

#[test]
fn the_due_date_members_and_erasure_indexes_hold_only_keys() {
    // Keys only: a member write then rewrites a small index entry (or, for the members index,
    // whose keys never change, nothing), never a copy of the member; an idempotency record's
    // erasure entry is its keys, not a copy of the answer it keeps.
    let template = template();
    let indexes = resource(&template, "LoyaltyTable")["Properties"]["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .clone();
    let names: Vec<_> = indexes.iter().map(|i| i["IndexName"].as_str()).collect();
    assert_eq!(
        names,
        [Some(DUE_INDEX), Some(MEMBERS_INDEX), Some(PERSON_INDEX)]
    );
    for index in &indexes {
        assert_eq!(
            index["Projection"]["ProjectionType"].as_str(),
            Some("KEYS_ONLY")
        );
    }
}

/// A queue's alarm: on the queue's visible messages, firing on the first one.
fn alarmed(template: &serde_yaml::Value, queue: &str) -> bool {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .any(|r| {
            r["Type"].as_str() == Some("AWS::CloudWatch::Alarm")
                && r["Properties"]["MetricName"].as_str()
                    == Some("ApproximateNumberOfMessagesVisible")
                && text(&r["Properties"]["Dimensions"][0]["Value"]) == format!("{queue}.QueueName")
                && r["Properties"]["Threshold"].as_i64() == Some(0)
        })
}

#[test]
fn failures_of_the_daily_run_land_in_queues_that_raise_alarms() {
    let template = template();
    let function = &resource(&template, "EvaluateTierFunction")["Properties"];
    // The schedule's invocation is asynchronous: a failed planner goes to a queue.
    let on_failure = &function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"].as_str(), Some("SQS"));
    assert_eq!(text(&on_failure["Destination"]), "DailyPlanFailures.Arn");
    assert!(alarmed(&template, "DailyPlanFailures"));
    // The workers' queue: partial batch failures, then a dead-letter queue.
    let pieces = &function["Events"]["DailyRunPieces"]["Properties"];
    assert_eq!(text(&pieces["Queue"]), "DailyRunQueue.Arn");
    assert_eq!(
        pieces["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    let queue = &resource(&template, "DailyRunQueue")["Properties"];
    assert_eq!(
        text(&queue["RedrivePolicy"]["deadLetterTargetArn"]),
        "DailyRunDeadLetters.Arn"
    );
    let timeout = function["Timeout"].as_i64().unwrap();
    assert!(queue["VisibilityTimeout"].as_i64().unwrap() >= 6 * timeout);
    assert!(alarmed(&template, "DailyRunDeadLetters"));
    assert!(alarmed(&template, "TierStreamFailures"));
    assert_eq!(
        text(&function["Environment"]["Variables"]["DAILY_QUEUE_URL"]),
        "DailyRunQueue"
    );
}

#[test]
fn the_access_log_can_be_matched_to_a_clients_request_id() {
    let template = template();
    let format = resource(&template, "HttpApi")["Properties"]["AccessLogSettings"]["Format"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(format.contains(r#""integrationRequestId":"$context.integration.requestId""#));
    assert!(
        !format.contains("$context.path"),
        "paths hold voucher codes"
    );
}

#[test]
fn the_issuer_takes_its_region_from_the_user_pool_id() {
    let raw = std::fs::read_to_string(loyalty_tests::template_path()).unwrap();
    assert!(raw.contains("https://cognito-idp.${PoolRegion}.amazonaws.com/${CognitoUserPoolId}"));
    assert!(raw.contains(r#"PoolRegion: !Select [0, !Split ["_", !Ref CognitoUserPoolId]]"#));
    assert!(!raw.contains("cognito-idp.${AWS::Region}"));
}

#[test]
fn the_scopes_resource_server_and_the_operators_group_are_parameters_every_function_reads() {
    let template = template();
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(
        text(&variables["LOYALTY_RESOURCE_SERVER"]),
        "ResourceServerIdentifier"
    );
    assert_eq!(text(&variables["LOYALTY_ADMIN_GROUP"]), "AdminGroupName");
    let parameters = &template["Parameters"];
    assert_eq!(
        parameters["ResourceServerIdentifier"]["Default"].as_str(),
        Some("loyalty")
    );
    assert_eq!(
        parameters["AdminGroupName"]["Default"].as_str(),
        Some("loyalty-admins")
    );
    // The names the code falls back to are the template's defaults.
    let names = loyalty::identity::Names::default();
    assert_eq!(names.resource_server, "loyalty");
    assert_eq!(names.admin_group, "loyalty-admins");
}

#[test]
fn unknown_paths_reach_a_function_that_answers_the_apis_own_404() {
    let template = template();
    let routes: Vec<(String, serde_yaml::Value)> = template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .flat_map(|(name, r)| {
            r["Properties"]["Events"]
                .as_mapping()
                .into_iter()
                .flatten()
                .map(move |(_, e)| (name.as_str().unwrap().to_string(), e.clone()))
        })
        .filter(|(_, e)| e["Properties"]["Path"].as_str() == Some("$default"))
        .collect();
    assert_eq!(routes.len(), 1);
    let (function, event) = &routes[0];
    assert_eq!(function, "MemberApiFunction");
    assert_eq!(event["Properties"]["Method"].as_str(), Some("ANY"));
    assert_eq!(
        event["Properties"]["Auth"]["Authorizer"].as_str(),
        Some("NONE")
    );
}

#[test]
fn the_deploy_targets_use_the_projects_sam_config_not_the_build_folders() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let makefile = std::fs::read_to_string(format!("{root}/Makefile")).unwrap();
    for target in ["deploy:", "deploy-guided:"] {
        assert!(makefile.contains(target), "make {target}");
    }
    assert!(makefile.contains("--template-file .aws-sam/build/template.yaml"));
    assert!(makefile.contains("--config-file $(CURDIR)/infra/samconfig.toml"));
    assert!(makefile.contains("--build-dir .aws-sam/build"));
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(format!("{root}/infra/samconfig.toml")).unwrap())
            .unwrap();
    let deploy = &config["default"]["deploy"]["parameters"];
    // The template creates roles (no names given): CAPABILITY_IAM, nothing wider.
    assert_eq!(deploy["capabilities"].as_str(), Some("CAPABILITY_IAM"));
    assert_eq!(deploy["resolve_s3"].as_bool(), Some(true));
    assert_eq!(
        config["default"]["global"]["parameters"]["stack_name"].as_str(),
        Some("loyalty")
    );
    let template = std::fs::read_to_string(loyalty_tests::template_path()).unwrap();
    assert!(
        !template.contains("RoleName:"),
        "a named role would need CAPABILITY_NAMED_IAM"
    );
}

/// One stream filter's key pattern: `{"PK": {"S": [...]}, "SK": {"S": [...]}}`, each list of
/// exact strings or `{"prefix": ...}`, as Lambda's event filtering matches them.
fn filter_matches(pattern: &serde_json::Value, pk: &str, sk: &str) -> bool {
    let keys = &pattern["dynamodb"]["Keys"];
    let admits = |name: &str, value: &str| match keys[name]["S"].as_array() {
        None => true,
        Some(options) => options.iter().any(|option| match option {
            serde_json::Value::String(exact) => exact == value,
            other => other["prefix"]
                .as_str()
                .is_some_and(|prefix| value.starts_with(prefix)),
        }),
    };
    admits("PK", pk) && admits("SK", sk)
}

#[test]
fn the_stream_filters_let_through_exactly_the_items_the_tier_function_acts_on() {
    let template: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(loyalty_tests::template_path()).unwrap())
            .unwrap();
    let filters = template["Resources"]["EvaluateTierFunction"]["Properties"]["Events"]
        ["TableStream"]["Properties"]["FilterCriteria"]["Filters"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|filter| serde_json::from_str(filter["Pattern"].as_str().unwrap()).unwrap())
        .collect::<Vec<serde_json::Value>>();
    // What `store::stream::classify` acts on (member profiles, outbox events, referral links),
    // and items written next to them that it ignores.
    let acted_on = [
        ("MEMBER#ida", "PROFILE"),
        ("MEMBER#ida", "EVENT#01JDXYZ"),
        ("MEMBER#ida", "REFERRAL"),
    ];
    let ignored = [
        ("MEMBER#ida", "LEDGER#00000000000000000001"),
        ("MEMBER#ida", "PURCHASE#t-1"),
        ("MEMBER#ida", "REFERRED#joe"),
        ("MEMBER#ida", "REFERRALS"),
        ("REFCODE#7KQ2MXPA", "REFCODE"),
        ("METRICS#07", "TOTAL"),
        ("PROGRAM", "CURRENT"),
    ];
    for (pk, sk) in acted_on {
        assert!(
            filters.iter().any(|f| filter_matches(f, pk, sk)),
            "{pk} {sk} is filtered out"
        );
    }
    for (pk, sk) in ignored {
        assert!(
            !filters.iter().any(|f| filter_matches(f, pk, sk)),
            "{pk} {sk} is let through"
        );
    }
}
