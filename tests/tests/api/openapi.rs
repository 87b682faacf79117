//! `docs/openapi.yaml` is what mobile teams generate clients from and what schemathesis
//! fuzzes against: it must document exactly the routes the SAM template serves, each with
//! its errors in the API's one error shape. Needs no database.

use std::collections::BTreeSet;

use serde_yaml::Value;

type Routes = BTreeSet<(String, String)>;

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const ERROR_SCHEMA: &str = "#/components/schemas/Error";
const IDENTIFIER_PATTERN: &str = r"^[A-Za-z0-9\-_.:@]{1,128}$";

fn read_yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn openapi() -> Value {
    read_yaml(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml"))
}

/// The HttpApi events of the template's functions: (method, path, unauthenticated).
fn template_events() -> Vec<(String, String, bool)> {
    let template = read_yaml(&loyalty_tests::template_path());
    let mut events = Vec::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(function_events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in function_events {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let properties = &event["Properties"];
            // The catch-all route is no operation of the API: it only answers 404.
            if properties["Path"].as_str() == Some("$default") {
                continue;
            }
            events.push((
                properties["Method"].as_str().unwrap().to_uppercase(),
                properties["Path"].as_str().unwrap().to_string(),
                properties["Auth"]["Authorizer"].as_str() == Some("NONE"),
            ));
        }
    }
    events
}

fn template_routes() -> Routes {
    template_events()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

struct Operation<'a> {
    method: String,
    path: String,
    path_item: &'a Value,
    operation: &'a Value,
}

impl Operation<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut found = Vec::new();
    for (path, path_item) in doc["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("path keys are strings");
        for method in HTTP_METHODS {
            if let Some(operation) = path_item.get(method) {
                found.push(Operation {
                    method: method.to_uppercase(),
                    path: path.to_string(),
                    path_item,
                    operation,
                });
            }
        }
    }
    found
}

/// Follows local `$ref`s (`#/a/b/c`) until a value without one.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let pointer = reference
            .strip_prefix("#/")
            .unwrap_or_else(|| panic!("only local references are used: {reference}"));
        let mut target = doc;
        for segment in pointer.split('/') {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            target = target
                .get(segment.as_str())
                .unwrap_or_else(|| panic!("{reference} does not resolve"));
        }
        value = target;
    }
    panic!("reference cycle at {value:?}");
}

#[test]
fn the_document_is_openapi_3_1() {
    let doc = openapi();
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1."), "{version}");
}

#[test]
fn documents_exactly_the_routes_of_the_sam_template() {
    let doc = openapi();
    let documented: Vec<(String, String)> = operations(&doc)
        .iter()
        .map(|op| (op.method.clone(), op.path.clone()))
        .collect();
    let unique: Routes = documented.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        documented.len(),
        "a route is documented twice"
    );
    let template = template_routes();
    let missing: Vec<_> = template.difference(&unique).collect();
    let extra: Vec<_> = unique.difference(&template).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "undocumented template routes: {missing:?}; documented routes the template lacks: {extra:?}"
    );
    assert_eq!(unique.len(), 45);
}

#[test]
fn only_the_routes_without_authorizer_opt_out_of_bearer_security() {
    let doc = openapi();
    let global = doc["security"].as_sequence().expect("global security");
    assert!(
        global
            .iter()
            .any(|requirement| requirement.get("bearer").is_some()),
        "bearer security applies globally"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"]["scheme"].as_str() == Some("bearer"));
    let open_in_template: Routes = template_events()
        .into_iter()
        .filter(|(_, _, open)| *open)
        .map(|(method, path, _)| (method, path))
        .collect();
    let open_in_doc: Routes = operations(&doc)
        .iter()
        .filter(|op| {
            op.operation
                .get("security")
                .and_then(Value::as_sequence)
                .is_some_and(|requirements| requirements.is_empty())
        })
        .map(|op| (op.method.clone(), op.path.clone()))
        .collect();
    assert!(!open_in_template.is_empty());
    assert_eq!(open_in_doc, open_in_template);
}

#[test]
fn every_operation_documents_its_errors_with_the_error_schema() {
    let doc = openapi();
    assert!(
        doc["components"]["schemas"]["Error"]["properties"]["error"].is_mapping(),
        "the Error schema exists"
    );
    for op in operations(&doc) {
        let responses = op.operation["responses"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{}: no responses", op.name()));
        let mut errors = BTreeSet::new();
        let mut successes = 0;
        for (status, response) in responses {
            let status = status
                .as_str()
                .unwrap_or_else(|| panic!("{}: quote status codes", op.name()));
            if status.starts_with('2') {
                successes += 1;
                continue;
            }
            assert!(
                status.starts_with('4') || status.starts_with('5'),
                "{}: unexpected status {status}",
                op.name()
            );
            let response = resolve(&doc, response);
            let schema = &response["content"]["application/json"]["schema"];
            assert_eq!(
                schema["$ref"].as_str(),
                Some(ERROR_SCHEMA),
                "{} {status}: the error body is not the Error schema",
                op.name()
            );
            if status == "429" || status == "503" {
                assert!(
                    response["headers"].get("retry-after").is_some(),
                    "{} {status}: no retry-after header",
                    op.name()
                );
            }
            errors.insert(status.to_string());
        }
        assert!(successes > 0, "{}: no success response", op.name());
        // Every route authenticates and every route reads DynamoDB.
        for status in ["401", "429", "500", "503"] {
            assert!(errors.contains(status), "{}: no {status}", op.name());
        }
    }
}

#[test]
fn operation_ids_are_unique() {
    let doc = openapi();
    let mut seen = BTreeSet::new();
    for op in operations(&doc) {
        let id = op.operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no operationId", op.name()));
        assert!(
            seen.insert(id.to_string()),
            "operationId {id} is used twice"
        );
    }
}

#[test]
fn path_parameters_are_declared_and_use_the_identifier_pattern() {
    let doc = openapi();
    for op in operations(&doc) {
        let templated: BTreeSet<String> = op
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_string)
            .collect();
        let declared = op
            .path_item
            .get("parameters")
            .and_then(Value::as_sequence)
            .into_iter()
            .chain(op.operation.get("parameters").and_then(Value::as_sequence))
            .flatten()
            .map(|parameter| resolve(&doc, parameter))
            .filter(|parameter| parameter["in"].as_str() == Some("path"));
        let mut names = BTreeSet::new();
        for parameter in declared {
            let name = parameter["name"].as_str().expect("parameter name");
            assert_eq!(
                parameter["required"].as_bool(),
                Some(true),
                "{}: path parameter {name} must be required",
                op.name()
            );
            let schema = resolve(&doc, &parameter["schema"]);
            assert_eq!(
                schema["pattern"].as_str(),
                Some(IDENTIFIER_PATTERN),
                "{}: path parameter {name}",
                op.name()
            );
            names.insert(name.to_string());
        }
        assert_eq!(names, templated, "{}: path parameters", op.name());
    }
}

/// The codes `shared/src/http/error.rs` maps errors to: the string literal on each line
/// that names a status (`(StatusCode::X, "code")`) or a refusal (`Refusal::X => "code"`).
fn codes_in_error_rs() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/src/http/error.rs");
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut codes = BTreeSet::new();
    for line in source.lines() {
        let names_code =
            line.contains("StatusCode::") || (line.contains("Refusal::") && line.contains("=>"));
        if !names_code {
            continue;
        }
        for (index, literal) in line.split('"').enumerate() {
            let snake_case =
                !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if index % 2 == 1 && snake_case {
                codes.insert(literal.to_string());
            }
        }
    }
    codes
}

#[test]
fn the_error_codes_are_exactly_those_of_the_code() {
    let doc = openapi();
    let documented: BTreeSet<String> = resolve(
        &doc,
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"],
    )["enum"]
        .as_sequence()
        .expect("the error code is an enum")
        .iter()
        .map(|code| code.as_str().expect("codes are strings").to_string())
        .collect();
    let in_code = codes_in_error_rs();
    for known in ["invalid_request", "insufficient_points", "internal_error"] {
        assert!(in_code.contains(known), "scan of error.rs missed {known}");
    }
    assert_eq!(documented, in_code);
}
