//! The file-backed lease store: the whole table as JSON, replaced by rename.

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::PathBuf;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::table::{apply_delete, apply_write, LeaseStore};
use super::{ConsumerError, ExtendedSequenceNumber, Lease};
use crate::stream::ShardId;

/// One lease as stored in the file: strings, so the file reads like the KCL's table.
#[derive(Serialize, Deserialize)]
struct Row {
    shard_id: String,
    owner: Option<String>,
    counter: u64,
    checkpoint: String,
    pending_checkpoint: Option<String>,
    owner_switches_since_checkpoint: u64,
    parent_shard_ids: Vec<String>,
}

impl Row {
    fn from_lease(l: &Lease) -> Row {
        Row {
            shard_id: l.shard_id.to_string(),
            owner: l.owner.clone(),
            counter: l.counter,
            checkpoint: l.checkpoint.encode(),
            pending_checkpoint: l.pending_checkpoint.map(|c| c.encode()),
            owner_switches_since_checkpoint: l.owner_switches_since_checkpoint,
            parent_shard_ids: l.parent_shard_ids.iter().map(ShardId::to_string).collect(),
        }
    }

    fn into_lease(self) -> Option<Lease> {
        let checkpoint = |s: &str| ExtendedSequenceNumber::decode(s);
        Some(Lease {
            shard_id: self.shard_id.parse().ok()?,
            owner: self.owner,
            counter: self.counter,
            checkpoint: checkpoint(&self.checkpoint)?,
            pending_checkpoint: match self.pending_checkpoint {
                Some(p) => Some(checkpoint(&p)?),
                None => None,
            },
            owner_switches_since_checkpoint: self.owner_switches_since_checkpoint,
            parent_shard_ids: self.parent_shard_ids.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?,
        })
    }
}

/// Reads the file on every call, so two tables over one path (or a restarted
/// process) see each other's writes.
#[derive(Debug)]
pub(crate) struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    pub(crate) fn new(path: PathBuf) -> Self {
        FileStore { path, lock: Mutex::new(()) }
    }

    fn load(&self) -> Result<BTreeMap<ShardId, Lease>, ConsumerError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(self.fail("read", e)),
        };
        let rows: Vec<Row> = serde_json::from_str(&text)
            .map_err(|e| ConsumerError::Store(format!("{} is not a lease table: {e}", self.path.display())))?;
        rows.into_iter()
            .map(|r| r.into_lease().map(|l| (l.shard_id, l)))
            .collect::<Option<_>>()
            .ok_or_else(|| ConsumerError::Store(format!("{} holds a malformed lease", self.path.display())))
    }

    fn save(&self, leases: &BTreeMap<ShardId, Lease>) -> Result<(), ConsumerError> {
        let rows: Vec<Row> = leases.values().map(Row::from_lease).collect();
        let text = serde_json::to_string_pretty(&rows).map_err(|e| ConsumerError::Store(e.to_string()))?;
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut f = fs::File::create(&tmp).map_err(|e| self.fail("create", e))?;
        f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| self.fail("write", e))?;
        fs::rename(&tmp, &self.path).map_err(|e| self.fail("rename", e))
    }

    fn fail(&self, what: &str, e: std::io::Error) -> ConsumerError {
        ConsumerError::Store(format!("cannot {what} {}: {e}", self.path.display()))
    }
}

impl LeaseStore for FileStore {
    fn list(&self) -> Result<Vec<Lease>, ConsumerError> {
        let _g = self.lock.lock();
        Ok(self.load()?.into_values().collect())
    }

    fn write_if(&self, lease: &Lease, expected: Option<u64>) -> Result<bool, ConsumerError> {
        let _g = self.lock.lock();
        let mut leases = self.load()?;
        let wrote = apply_write(&mut leases, lease, expected);
        if wrote {
            self.save(&leases)?;
        }
        Ok(wrote)
    }

    fn delete_if(&self, shard: &ShardId, expected: u64) -> Result<bool, ConsumerError> {
        let _g = self.lock.lock();
        let mut leases = self.load()?;
        let deleted = apply_delete(&mut leases, shard, expected);
        if deleted {
            self.save(&leases)?;
        }
        Ok(deleted)
    }
}
