//! One Lambda execution environment: a function's release binary started the way the Lambda
//! service starts a custom runtime (`provided.al2023`), with its own Runtime API and its own
//! DynamoDB proxy, so everything the process does is attributed to it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use aws_sdk_dynamodb::Client;
use bytes::Bytes;
use tokio::process::{Child, Command};

use crate::proxy::{Proxy, ProxyCall};
use crate::runtime_api::{Outcome, RuntimeApi};

/// How long one invocation may take before the harness gives up on it.
pub const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the processes are started from and what they all get.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub bin_dir: PathBuf,
    /// `host:port` of DynamoDB Local.
    pub upstream: String,
    pub table: String,
    pub secrets_key: String,
    pub log_dir: PathBuf,
}

pub struct Slot {
    pub function: String,
    pub runtime: RuntimeApi,
    pub proxy: Proxy,
    child: Child,
    pub pid: u32,
    /// Just before the process was started.
    pub spawned: Instant,
}

/// An invocation and the DynamoDB calls made during it.
pub struct Invocation {
    pub outcome: Outcome,
    pub calls: Vec<ProxyCall>,
}

impl Invocation {
    pub fn dynamodb_time(&self) -> Duration {
        crate::proxy::time_in_dynamodb(&self.calls)
    }
}

impl Launcher {
    pub fn binary(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    /// Starts `binary` as function `function`. With `recorder`, its proxy records.
    pub async fn start(
        &self,
        binary: &str,
        function: &str,
        recorder: Option<Client>,
    ) -> Result<Slot> {
        self.start_with(binary, function, recorder, &[]).await
    }

    /// As `start`, with `env` added to the process's environment (e.g.
    /// `SHARED_ITEMS_TTL_SECONDS=0`).
    pub async fn start_with(
        &self,
        binary: &str,
        function: &str,
        recorder: Option<Client>,
        env: &[(&str, &str)],
    ) -> Result<Slot> {
        let runtime = RuntimeApi::start(function).await?;
        let proxy = Proxy::start(&self.upstream, recorder).await?;
        let path = self.binary(binary);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_dir.join(format!("{binary}.log")))
            .with_context(|| format!("log file for {binary}"))?;
        let mut command = Command::new(&path);
        command
            .env_clear()
            .current_dir(&self.log_dir)
            .envs(lambda_environment(function, &runtime.endpoint()))
            .env("TABLE_NAME", &self.table)
            .env("DYNAMODB_ENDPOINT", proxy.url())
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        if function == "partner-offers" {
            command.env("LOYALTY_SECRETS_KEY", &self.secrets_key);
        }
        let spawned = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", path.display()))?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow!("{binary} exited at once"))?;
        Ok(Slot {
            function: function.to_string(),
            runtime,
            proxy,
            child,
            pid,
            spawned,
        })
    }
}

/// What the Lambda service puts in a custom runtime's environment (the credentials are the
/// function role's in AWS; here DynamoDB Local's dummy ones).
fn lambda_environment(function: &str, runtime_api: &str) -> Vec<(String, String)> {
    let date = time::OffsetDateTime::now_utc().date();
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("LANG", "en_US.UTF-8"),
        ("TZ", ":UTC"),
        ("AWS_LAMBDA_RUNTIME_API", runtime_api),
        ("AWS_LAMBDA_FUNCTION_NAME", function),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            &format!("/aws/lambda/{function}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            &format!("{date}/[$LATEST]0123456789abcdef0123456789abcdef"),
        ),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023"),
        ("LAMBDA_TASK_ROOT", "/var/task"),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        ("_HANDLER", "bootstrap"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_SESSION_TOKEN", "local"),
        // Never reached (the credentials are in the environment); a guard against a hang.
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

impl Slot {
    /// Sends one event and waits for the answer; the proxy's log since the last call is
    /// this invocation's DynamoDB calls (a slot runs one invocation at a time).
    pub async fn invoke(&self, event: Bytes) -> Result<Invocation> {
        self.proxy.take();
        let outcome = self
            .runtime
            .invoke(event, INVOKE_TIMEOUT)
            .await
            .with_context(|| format!("invoking {}", self.function))?;
        Ok(Invocation {
            outcome,
            calls: self.proxy.take(),
        })
    }

    /// The process's peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64> {
        peak_rss_kib(self.pid)
    }

    /// Kills the process and waits for it.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

pub fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmHWM for pid {pid}"))
}

/// Size of a file, when it exists.
pub fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}
