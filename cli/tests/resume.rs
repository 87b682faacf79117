//! The import tool against the member-api handler served on a loopback port (DynamoDB Local
//! behind it, as in `make test`): killed mid-run, then run again with `--resume`, every member
//! is imported exactly once and the checkpoint says the file is complete.

// Test code: a failed setup step should fail the test where it happens.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use loyalty::Context;
use loyalty_tests::{Call, Function, TestEnv, invoke};
use serde_json::{Value, json};

const MEMBERS: usize = 600;

/// Serves `context`'s member-api on 127.0.0.1, as API Gateway would call it; returns the URL.
async fn serve(context: Context) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let context = context.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let context = context.clone();
                    async move { Ok::<_, Infallible>(answer(&context, request).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}

async fn answer(
    context: &Context,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let method = match request.method().as_str() {
        "GET" => "GET",
        _ => "POST",
    };
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers = request.headers().clone();
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let mut call = Call::new(method, path).raw_body(String::from_utf8_lossy(&body));
    for (name, value) in &headers {
        if let Ok(value) = value.to_str() {
            call = call.header(name.as_str(), value);
        }
    }
    let response = invoke(context, Function::MemberApi, call).await;
    let mut reply = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        reply = reply.header(name, value);
    }
    reply
        .body(Full::new(Bytes::from(response.body.to_string())))
        .unwrap()
}

fn write_members(path: &Path) {
    let mut lines = Vec::new();
    for i in 0..MEMBERS {
        if i == 2 {
            lines.push("{this line is not JSON".to_string());
        }
        lines.push(
            json!({
                "memberId": format!("cli-{i:04}"),
                "enrolledAt": "2024-05-01T00:00:00Z",
                "lots": [{"points": i + 1, "expiresAt": "2028-01-01T00:00:00Z"}]
            })
            .to_string(),
        );
    }
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn checkpoint(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn cli(input: &Path, url: &str, token: &str, resume: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loyalty-cli"));
    command
        .arg("import")
        .arg(input)
        .args(["--endpoint", url, "--batch-size", "5", "--concurrency", "2"])
        .env("LOYALTY_TOKEN", token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if resume {
        command.arg("--resume");
    }
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_import_resumes_after_being_killed_and_imports_each_member_once() {
    let env = TestEnv::new().await;
    let url = serve(env.context.clone()).await;
    let token = env.admin_token();
    let dir = std::env::temp_dir().join(format!("cli-resume-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("members.jsonl");
    write_members(&input);
    let checkpoint_path = dir.join("members.jsonl.checkpoint");

    // First run: killed once the checkpoint shows progress, well before the end.
    let mut first = cli(&input, &url, &token, false)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut waited = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 6_000, "no progress in the checkpoint");
        let Some(state) = checkpoint(&checkpoint_path) else {
            continue;
        };
        assert_eq!(
            state["complete"], false,
            "finished before it could be killed"
        );
        if state["imported"].as_u64().unwrap_or(0) >= 50 {
            break;
        }
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let interrupted = checkpoint(&checkpoint_path).unwrap();
    assert_eq!(interrupted["complete"], false);
    let members_after_kill = env
        .table_snapshot()
        .await
        .keys()
        .filter(|(pk, sk)| pk.starts_with("MEMBER#cli-") && sk == "PROFILE")
        .count();
    assert!(members_after_kill < MEMBERS, "{members_after_kill}");

    // Second run: resumes from the checkpoint and finishes.
    let second = cli(&input, &url, &token, true).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    // A bad line is reported (exit status 2), with its number.
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 3: bad line"), "{stderr}");
    assert!(stderr.contains("resuming:"), "{stderr}");
    assert!(stderr.contains("progress:"), "{stderr}");
    assert!(!stderr.contains(&token) && !String::from_utf8_lossy(&second.stdout).contains(&token));

    let done = checkpoint(&checkpoint_path).unwrap();
    assert_eq!(done["complete"], true, "{done}");
    assert_eq!(done["done"], json!([[1, MEMBERS + 1]]));
    let imported = done["imported"].as_u64().unwrap();
    let skipped = done["skipped"].as_u64().unwrap();
    // A batch in flight at the kill was sent again and skipped: nothing counted twice.
    assert_eq!(imported + skipped, MEMBERS as u64);
    assert!(skipped <= 10, "{skipped}");
    assert_eq!(done["refused"], 0);

    // The table holds each member once, with one `import` entry, and the figures agree.
    let table = env.table_snapshot().await;
    for i in 0..MEMBERS {
        let pk = format!("MEMBER#cli-{i:04}");
        let member = &table[&(pk.clone(), "PROFILE".to_string())];
        assert_eq!(member["balance"], i as u64 + 1, "{pk}");
        let entries: Vec<&Value> = table
            .iter()
            .filter(|((p, sk), _)| *p == pk && sk.starts_with("LEDGER#"))
            .map(|(_, item)| item)
            .collect();
        assert_eq!(entries.len(), 1, "{pk}");
        assert_eq!(entries[0]["type"], "import");
    }
    let metrics = env
        .call(
            Function::EarnPoints,
            Call::new("GET", "/v1/metrics?from=2026-11-23&to=2026-11-23").bearer(&token),
        )
        .await;
    let total: usize = (1..=MEMBERS).sum();
    assert_eq!(
        metrics.body["current"]["members"], MEMBERS,
        "{}",
        metrics.body
    );
    assert_eq!(metrics.body["current"]["liability"], total);

    // A third run without --resume starts over and skips everyone.
    let again = cli(&input, &url, &token, false).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    let state = checkpoint(&checkpoint_path).unwrap();
    assert_eq!(
        (state["imported"].clone(), state["skipped"].clone()),
        (json!(0), json!(MEMBERS))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
