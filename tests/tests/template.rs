//! The SAM template and the local router must offer the same routes, sent to the same
//! functions, so that `make dev` answers exactly as API Gateway will.

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
            if event["Type"].as_str() == Some("HttpApi") {
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
    assert_eq!(aws.len(), 24, "{aws:?}");
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
