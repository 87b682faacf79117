//! `loyalty-cli import members.jsonl --endpoint URL --token TOKEN [--resume]
//! [--concurrency N] [--batch-size N]` and `loyalty-cli export MEMBER_ID --endpoint URL
//! --token TOKEN`. The token may come from `LOYALTY_TOKEN` instead (kept out of shell
//! history and process lists); it is never printed.
//!
//! Exit status: 0 when every member was answered and none refused, 2 when some lines or
//! members were refused (each reported with its line), 1 when something failed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use loyalty_cli::client::Api;
use loyalty_cli::{CliError, export, import};

#[derive(Parser)]
#[command(name = "loyalty-cli", about = "Operators' tool for the loyalty API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Target {
    /// The API's base URL, e.g. http://localhost:9000 or the deployed stage's URL.
    #[arg(long)]
    endpoint: String,
    /// An operator's token (scope loyalty/admin).
    #[arg(long, env = "LOYALTY_TOKEN", hide_env_values = true)]
    token: String,
}

#[derive(Subcommand)]
enum Command {
    /// Import members from JSON Lines (one member per line, as POST /v1/imports/members
    /// takes them).
    Import {
        file: PathBuf,
        #[command(flatten)]
        target: Target,
        /// Continue after an interruption from FILE.checkpoint.
        #[arg(long)]
        resume: bool,
        /// Batches in flight at once.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
        /// Members a batch (at most 100).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=100))]
        batch_size: u16,
    },
    /// Print a member's export (admin GET /v1/members/{memberId}/export).
    Export {
        member_id: String,
        #[command(flatten)]
        target: Target,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Import {
            file,
            target,
            resume,
            concurrency,
            batch_size,
        } => {
            let api = Api::new(&target.endpoint, &target.token)?;
            let options = import::Options {
                input: file,
                resume,
                concurrency: usize::from(concurrency),
                batch_size: usize::from(batch_size),
            };
            let summary = import::run(&api, &options).await?;
            let totals = &summary.checkpoint;
            eprintln!(
                "summary: imported {}, skipped {} (already present), refused {}, bad lines {}, \
                 lines without an answer {}; {}",
                totals.imported,
                totals.skipped,
                totals.refused,
                summary.bad_lines,
                summary.failed_lines,
                if totals.complete {
                    "complete"
                } else {
                    "incomplete: run again with --resume"
                }
            );
            Ok(if !totals.complete || summary.failed_lines > 0 {
                ExitCode::from(1)
            } else if totals.refused > 0 || summary.bad_lines > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Export { member_id, target } => {
            let api = Api::new(&target.endpoint, &target.token)?;
            match export::export(&api, &member_id).await? {
                Ok(body) => {
                    println!("{body}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(refusal) => {
                    eprintln!("error: {refusal}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
