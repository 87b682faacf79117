//! `import FILE`: members from JSON Lines, sent in batches with bounded concurrency, retried
//! on 429 and 503 (honouring `retry-after`), checkpointed after every answered batch so that
//! `--resume` continues after an interruption. A batch the server refuses as a whole (400 or
//! 413, e.g. a line of the wrong shape) is sent again one member at a time, so each refusal
//! is reported with its line.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;

use futures::stream::{self, StreamExt};
use hyper::Method;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Deserialize;

use crate::CliError;
use crate::backoff::{MAX_ATTEMPTS, delay};
use crate::batch::{Batch, MAX_BODY_BYTES, batches};
use crate::checkpoint::{self, Checkpoint};
use crate::client::{Answer, Api};
use crate::lines::{self, Line};

const PATH: &str = "/v1/imports/members";

#[derive(Debug, Clone)]
pub struct Options {
    pub input: PathBuf,
    pub resume: bool,
    pub concurrency: usize,
    pub batch_size: usize,
}

/// A member the server refused, or could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub line: Option<usize>,
    pub member_id: String,
    pub message: String,
}

/// What sending one batch came to.
#[derive(Debug, Default)]
struct Outcome {
    /// Lines the server answered for (imported, skipped or refused).
    answered: Vec<usize>,
    imported: u64,
    skipped: u64,
    refused: Vec<Refused>,
    /// Lines that got no answer after every retry, and why.
    failed: Vec<(Vec<usize>, String)>,
}

/// The end of a run.
#[derive(Debug)]
pub struct Summary {
    pub checkpoint: Checkpoint,
    pub bad_lines: usize,
    /// Members refused in this run.
    pub refused: usize,
    /// Lines with no answer in this run (send them again with `--resume`).
    pub failed_lines: usize,
}

#[derive(Debug, Deserialize)]
struct Reply {
    imported: u64,
    skipped: u64,
    errors: Vec<ReplyError>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplyError {
    member_id: String,
    code: String,
    message: String,
}

/// Prints above the progress bar on a terminal, as plain lines otherwise.
struct Reporter {
    bar: ProgressBar,
    terminal: bool,
}

impl Reporter {
    fn new(total: usize, done: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = ProgressBar::new(total as u64);
        if terminal {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} members ({per_sec}, {eta} left) {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        } else {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_position(done as u64);
        Self { bar, terminal }
    }

    fn line(&self, text: &str) {
        if self.terminal {
            self.bar.println(text);
        } else {
            eprintln!("{text}");
        }
    }

    fn progress(&self, answered: usize, checkpoint: &Checkpoint) {
        self.bar.inc(answered as u64);
        let totals = format!(
            "imported {}, skipped {}, refused {}",
            checkpoint.imported, checkpoint.skipped, checkpoint.refused
        );
        if self.terminal {
            self.bar.set_message(totals);
        } else {
            eprintln!(
                "progress: {}/{} members answered; {totals}",
                self.bar.position(),
                self.bar.length().unwrap_or_default()
            );
        }
    }
}

pub async fn run(api: &Api, options: &Options) -> Result<Summary, CliError> {
    let bytes = std::fs::read(&options.input).map_err(|source| CliError::Read {
        path: options.input.display().to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let (members, bad) = lines::parse(&text);
    let path = checkpoint::path_for(&options.input);
    let fingerprint = checkpoint::sha256(&bytes);
    let mut checkpoint = match Checkpoint::load(&path)? {
        Some(existing) if options.resume => {
            if existing.input_sha256 != fingerprint {
                return Err(CliError::CheckpointMismatch(path.display().to_string()));
            }
            existing
        }
        _ => Checkpoint::new(fingerprint),
    };
    // Lines holding no member are never sent: count them as answered.
    let member_lines: BTreeSet<usize> = members.iter().map(|m| m.number).collect();
    let line_count = text.lines().count();
    let skippable: Vec<usize> = (1..=line_count)
        .filter(|n| !member_lines.contains(n))
        .collect();
    checkpoint.absorb(&skippable);

    let total = members.len();
    let todo: Vec<Line> = members
        .into_iter()
        .filter(|m| !checkpoint.is_done(m.number))
        .collect();
    let reporter = Reporter::new(total, total - todo.len());
    for line in &bad {
        reporter.line(&format!(
            "line {}: bad line, not sent: {}",
            line.number, line.reason
        ));
    }
    if options.resume && todo.len() < total {
        reporter.line(&format!(
            "resuming: {} of {total} members already answered",
            total - todo.len()
        ));
    }
    let work = batches(todo, options.batch_size, MAX_BODY_BYTES);
    let mut results = stream::iter(work)
        .map(|batch| send_batch(api, batch))
        .buffer_unordered(options.concurrency.max(1));
    let mut refused = 0;
    let mut failed_lines = 0;
    while let Some(outcome) = results.next().await {
        let outcome = outcome?;
        checkpoint.mark(&outcome.answered);
        checkpoint.imported += outcome.imported;
        checkpoint.skipped += outcome.skipped;
        checkpoint.refused += outcome.refused.len() as u64;
        checkpoint.complete = checkpoint.done_count() >= line_count;
        checkpoint.save(&path)?;
        for member in &outcome.refused {
            let line = member
                .line
                .map_or_else(|| "line ?".to_string(), |l| format!("line {l}"));
            reporter.line(&format!(
                "{line}: member {:?} refused: {}",
                member.member_id, member.message
            ));
        }
        for (lines, why) in &outcome.failed {
            failed_lines += lines.len();
            let (first, last) = (lines.first(), lines.last());
            reporter.line(&format!(
                "lines {}..{}: no answer ({why}); run again with --resume to send them",
                first.copied().unwrap_or_default(),
                last.copied().unwrap_or_default()
            ));
        }
        refused += outcome.refused.len();
        reporter.progress(outcome.answered.len(), &checkpoint);
    }
    checkpoint.complete = checkpoint.done_count() >= line_count;
    checkpoint.save(&path)?;
    reporter.bar.finish_and_clear();
    Ok(Summary {
        checkpoint,
        bad_lines: bad.len(),
        refused,
        failed_lines,
    })
}

/// Posts `body`, retrying 429, 503 and transport failures with backoff. `Ok(Err(why))` when
/// every attempt failed; an error when the server refuses the token (nothing will work).
async fn post(api: &Api, body: String) -> Result<Result<Answer, String>, CliError> {
    let mut last = String::new();
    for attempt in 0..MAX_ATTEMPTS {
        let retry_after = match api.send(Method::POST, PATH, Some(body.clone()), &[]).await {
            Ok(answer) if matches!(answer.status, 429 | 503) => {
                last = format!("HTTP {}: {}", answer.status, answer.message());
                answer.retry_after
            }
            Ok(answer) if matches!(answer.status, 401 | 403) => {
                return Err(CliError::Unauthorized {
                    status: answer.status,
                    message: answer.message(),
                });
            }
            Ok(answer) => return Ok(Ok(answer)),
            Err(error) => {
                last = error.to_string();
                None
            }
        };
        if attempt + 1 < MAX_ATTEMPTS {
            tokio::time::sleep(delay(attempt, retry_after, rand::random::<f64>())).await;
        }
    }
    Ok(Err(format!("{last}, after {MAX_ATTEMPTS} attempts")))
}

async fn send_batch(api: &Api, batch: Batch) -> Result<Outcome, CliError> {
    let answer = match post(api, batch.body()).await? {
        Ok(answer) => answer,
        Err(why) => {
            return Ok(Outcome {
                failed: vec![(batch.lines(), why)],
                ..Outcome::default()
            });
        }
    };
    match answer.status {
        200 => Ok(answered(&batch, &answer)),
        // Refused as a whole: find the member(s) it was about, one request each.
        400 | 413 if batch.members.len() > 1 => {
            let mut outcome = Outcome::default();
            for member in batch.members {
                let single = Batch {
                    members: vec![member],
                };
                let one = match post(api, single.body()).await? {
                    Ok(answer) if answer.status == 200 => answered(&single, &answer),
                    Ok(answer) if matches!(answer.status, 400 | 413) => {
                        refused_whole(&single, &answer)
                    }
                    Ok(answer) => Outcome {
                        failed: vec![(
                            single.lines(),
                            format!("HTTP {}: {}", answer.status, answer.message()),
                        )],
                        ..Outcome::default()
                    },
                    Err(why) => Outcome {
                        failed: vec![(single.lines(), why)],
                        ..Outcome::default()
                    },
                };
                outcome.answered.extend(one.answered);
                outcome.imported += one.imported;
                outcome.skipped += one.skipped;
                outcome.refused.extend(one.refused);
                outcome.failed.extend(one.failed);
            }
            Ok(outcome)
        }
        400 | 413 => Ok(refused_whole(&batch, &answer)),
        status => Ok(Outcome {
            failed: vec![(
                batch.lines(),
                format!("HTTP {status}: {}", answer.message()),
            )],
            ..Outcome::default()
        }),
    }
}

/// A 200: the server's counts, and its refusals with their lines.
fn answered(batch: &Batch, answer: &Answer) -> Outcome {
    match serde_json::from_slice::<Reply>(&answer.body) {
        Ok(reply) => Outcome {
            answered: batch.lines(),
            imported: reply.imported,
            skipped: reply.skipped,
            refused: reply
                .errors
                .into_iter()
                .map(|e| Refused {
                    line: batch.line_of(&e.member_id),
                    message: format!("{}: {}", e.code, e.message),
                    member_id: e.member_id,
                })
                .collect(),
            failed: Vec::new(),
        },
        Err(e) => Outcome {
            failed: vec![(batch.lines(), format!("unreadable answer: {e}"))],
            ..Outcome::default()
        },
    }
}

/// A one-member batch refused as a whole: that member is refused, with the server's reason.
fn refused_whole(batch: &Batch, answer: &Answer) -> Outcome {
    Outcome {
        answered: batch.lines(),
        refused: batch
            .members
            .iter()
            .map(|m| Refused {
                line: Some(m.number),
                member_id: m.member_id.clone(),
                message: answer.message(),
            })
            .collect(),
        ..Outcome::default()
    }
}
