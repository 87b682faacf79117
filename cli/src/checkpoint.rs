//! The checkpoint beside the input (`<input>.checkpoint`): which lines the server has
//! answered for, and the running totals. Written after every answered batch (to a temporary
//! file, then renamed, so a kill never leaves half a checkpoint); `--resume` sends only the
//! lines it does not hold. A batch in flight when the tool was stopped is not in it and is
//! sent again: the server skips the members it already wrote.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::CliError;

const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub version: u32,
    /// SHA-256 of the input: a checkpoint is only resumed against the file it was made for.
    pub input_sha256: String,
    /// Line numbers answered, as inclusive ranges, sorted and merged.
    pub done: Vec<(usize, usize)>,
    pub imported: u64,
    pub skipped: u64,
    /// Members the server refused (each reported with its line).
    pub refused: u64,
    /// Every member line has been answered.
    pub complete: bool,
}

/// The checkpoint's path for an input file.
pub fn path_for(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Checkpoint {
    pub fn new(input_sha256: String) -> Self {
        Self {
            version: VERSION,
            input_sha256,
            done: Vec::new(),
            imported: 0,
            skipped: 0,
            refused: 0,
            complete: false,
        }
    }

    pub fn is_done(&self, line: usize) -> bool {
        // Ranges are sorted: the last one starting at or before `line` decides.
        let at = self.done.partition_point(|(from, _)| *from <= line);
        at > 0 && self.done[at - 1].1 >= line
    }

    /// Lines answered so far.
    pub fn done_count(&self) -> usize {
        self.done.iter().map(|(from, to)| to - from + 1).sum()
    }

    /// Records `lines` as answered.
    pub fn mark(&mut self, lines: &[usize]) {
        self.done.extend(lines.iter().map(|l| (*l, *l)));
        self.done.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.done.len());
        for (from, to) in self.done.drain(..) {
            match merged.last_mut() {
                Some(last) if from <= last.1 + 1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        self.done = merged;
    }

    /// Marks adjacent runs of lines that hold no member (blank or bad lines) as answered too,
    /// so ranges stay few: the lines in `skippable` are never sent.
    pub fn absorb(&mut self, skippable: &[usize]) {
        self.mark(skippable);
    }

    /// The checkpoint at `path`, if there is one.
    pub fn load(path: &Path) -> Result<Option<Self>, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CliError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let checkpoint: Self =
            serde_json::from_str(&text).map_err(|e| CliError::BadCheckpoint {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        if checkpoint.version != VERSION {
            return Err(CliError::BadCheckpoint {
                path: path.display().to_string(),
                reason: format!("version {}", checkpoint.version),
            });
        }
        Ok(Some(checkpoint))
    }

    /// Writes the checkpoint whole: to a temporary file beside it, then renamed over it.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let error = |source| CliError::WriteCheckpoint {
            path: path.display().to_string(),
            source,
        };
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| error(std::io::Error::other(e.to_string())))?;
        std::fs::write(&temporary, text).map_err(error)?;
        std::fs::rename(&temporary, path).map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_lines_merge_into_ranges_whatever_the_order() {
        let mut checkpoint = Checkpoint::new("abc".into());
        checkpoint.mark(&[5, 6, 7]);
        checkpoint.mark(&[1, 2]);
        checkpoint.mark(&[10]);
        assert_eq!(checkpoint.done, vec![(1, 2), (5, 7), (10, 10)]);
        checkpoint.absorb(&[3, 4, 8, 9]);
        assert_eq!(checkpoint.done, vec![(1, 10)]);
        assert_eq!(checkpoint.done_count(), 10);
        checkpoint.mark(&[4, 12]);
        assert_eq!(checkpoint.done, vec![(1, 10), (12, 12)]);
        for line in [1, 7, 10, 12] {
            assert!(checkpoint.is_done(line), "{line}");
        }
        for line in [0, 11, 13] {
            assert!(!checkpoint.is_done(line), "{line}");
        }
    }

    #[test]
    fn saves_and_loads_back_and_refuses_garbage() {
        let dir = std::env::temp_dir().join(format!("cli-checkpoint-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("members.jsonl");
        let path = path_for(&input);
        assert_eq!(path, dir.join("members.jsonl.checkpoint"));
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        let mut checkpoint = Checkpoint::new(sha256(b"x"));
        checkpoint.mark(&[1, 2, 3]);
        checkpoint.imported = 3;
        checkpoint.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), Some(checkpoint));
        std::fs::write(&path, "{not json").unwrap();
        assert!(matches!(
            Checkpoint::load(&path),
            Err(CliError::BadCheckpoint { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_fingerprint_tells_files_apart() {
        assert_eq!(sha256(b"a"), sha256(b"a"));
        assert_ne!(sha256(b"a"), sha256(b"b"));
        assert_eq!(sha256(b"").len(), 64);
    }
}
