//! Logs carry the request id and never a token, a webhook secret or a signature: the
//! functions' own log lines, captured while real requests run, are searched for them.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use loyalty::webhook::secret::SigningKey;
use loyalty::webhook::signature::sign;
use loyalty_tests::{Call, Function, START, TestEnv, purchase};
use serde_json::{Value, json};

/// What the functions log while this test runs. The subscriber `loyalty::telemetry` installs
/// is global to the test binary, whose other tests run (and log) at the same time: every line
/// logged meanwhile goes to `all`, and the lines logged on `thread`, the test's own (its
/// current-thread runtime runs every request it makes), also to `own`.
#[derive(Clone)]
struct Captured {
    thread: ThreadId,
    recording: Arc<AtomicBool>,
    all: Arc<Mutex<Vec<u8>>>,
    own: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    fn on_this_thread() -> Self {
        Self {
            thread: std::thread::current().id(),
            recording: Arc::new(AtomicBool::new(true)),
            all: Arc::default(),
            own: Arc::default(),
        }
    }

    /// Stops recording (the subscriber stays installed for the rest of the binary) and
    /// returns every line logged, and this test's own.
    fn finish(&self) -> (String, String) {
        self.recording.store(false, Ordering::SeqCst);
        let text = |buffer: &Mutex<Vec<u8>>| {
            String::from_utf8(std::mem::take(&mut *buffer.lock().unwrap())).unwrap()
        };
        (text(&self.all), text(&self.own))
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.recording.load(Ordering::SeqCst) {
            self.all.lock().unwrap().extend_from_slice(bytes);
            if std::thread::current().id() == self.thread {
                self.own.lock().unwrap().extend_from_slice(bytes);
            }
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_have_request_ids_and_no_tokens_secrets_or_signatures() {
    let captured = Captured::on_this_thread();
    let writer = captured.clone();
    loyalty::telemetry::init_writing_to(move || writer.clone());

    let env = TestEnv::new().await;
    env.enrol("logged").await;
    let till = env.till_token();
    env.earn("logged", purchase("log-1", 1234, Some("coffee")))
        .await;
    let forged = format!("{}x", env.member_token("logged"));
    let refused = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me").bearer(&forged),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 401);

    let created = env
        .call(
            Function::PartnerOffers,
            Call::new("PUT", "/v1/partners/logs")
                .bearer(&env.admin_token())
                .json(&json!({"name": "Logs"})),
        )
        .await;
    let secret = created.body["secret"].as_str().unwrap().to_string();
    let key = SigningKey::from_secret(&secret).unwrap();
    let body = r#"{"type": "offer.withdrawn", "data": {"offerId": "none"}}"#;
    let timestamp = START.unix_timestamp();
    let signature = sign(&key, "msg_log", timestamp, body.as_bytes());
    let webhook = |signature: &str| {
        Call::new("POST", "/v1/partners/logs/webhooks")
            .header("webhook-id", "msg_log")
            .header("webhook-timestamp", &timestamp.to_string())
            .header("webhook-signature", signature)
            .raw_body(body)
    };
    env.call(Function::PartnerOffers, webhook(&signature)).await;
    let bad_signature = sign(
        &SigningKey::generate(),
        "msg_log",
        timestamp,
        body.as_bytes(),
    );
    assert_eq!(
        env.call(Function::PartnerOffers, webhook(&bad_signature))
            .await
            .status
            .as_u16(),
        401
    );

    let (logs, own) = captured.finish();
    let lines: Vec<Value> = own
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(lines.len() >= 5, "the requests were logged: {own}");
    for secret_text in [
        till.as_str(),
        forged.as_str(),
        secret.as_str(),
        &secret["whsec_".len()..],
        signature.as_str(),
        &signature[3..],
        &bad_signature[3..],
    ] {
        assert!(
            !logs.contains(secret_text),
            "a secret, token or signature was logged"
        );
    }
    assert!(!logs.contains("whsec_"));
    let served: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            matches!(
                l["fields"]["message"].as_str(),
                Some("request served" | "request refused")
            )
        })
        .collect();
    assert!(served.len() >= 5);
    for line in served {
        let id = line["fields"]["request_id"].as_str().unwrap_or_default();
        assert!(id.starts_with("req-"), "{line}");
    }
}
