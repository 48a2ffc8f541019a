//! A queue's resource metadata: its tags (TagQueue, UntagQueue, ListQueueTags) and
//! the permission statements AddPermission / RemovePermission keep (stored and listed,
//! not enforced: every caller of an in-process cloud is the account itself).

use std::collections::BTreeMap;

use parking_lot::Mutex;

use super::{Queue, QueueError};

/// At most this many tags on one queue.
pub const MAX_QUEUE_TAGS: usize = 50;

/// Tags and permission statements, kept beside the queue's state.
#[derive(Debug, Default)]
pub(crate) struct Metadata {
    tags: Mutex<BTreeMap<String, String>>,
    permissions: Mutex<BTreeMap<String, QueuePermission>>,
}

/// One AddPermission statement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueuePermission {
    /// The accounts granted.
    pub accounts: Vec<String>,
    /// The actions granted (such as `SendMessage`).
    pub actions: Vec<String>,
}

impl Queue {
    fn live(&self) -> Result<(), QueueError> {
        if self.exists() {
            Ok(())
        } else {
            Err(QueueError::QueueDoesNotExist { name: self.name().to_owned() })
        }
    }

    /// Adds or replaces tags (TagQueue). Keys are 1 to 128 characters, values at most
    /// 256; a queue holds at most [`MAX_QUEUE_TAGS`].
    ///
    /// ```
    /// use localcloud::{Cloud, QueueConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let q = cloud.create_queue("orders", QueueConfig::default())?;
    /// q.tag([("team".to_owned(), "billing".to_owned())])?;
    /// assert_eq!(q.tags()?.get("team").map(String::as_str), Some("billing"));
    /// q.untag(["team"])?;
    /// assert!(q.tags()?.is_empty());
    /// # Ok::<(), localcloud::QueueError>(())
    /// ```
    pub fn tag(&self, tags: impl IntoIterator<Item = (String, String)>) -> Result<(), QueueError> {
        self.live()?;
        let tags: Vec<(String, String)> = tags.into_iter().collect();
        for (k, v) in &tags {
            if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
                return Err(QueueError::InvalidParameterValue(format!(
                    "tag {k:?}: keys are 1 to 128 characters, values at most 256"
                )));
            }
        }
        let mut held = self.shared.metadata.tags.lock();
        let fresh = tags.iter().filter(|(k, _)| !held.contains_key(k)).count();
        if held.len() + fresh > MAX_QUEUE_TAGS {
            return Err(QueueError::InvalidParameterValue(format!("a queue holds at most {MAX_QUEUE_TAGS} tags")));
        }
        held.extend(tags);
        Ok(())
    }

    /// Removes tags by key (UntagQueue); absent keys are ignored.
    pub fn untag<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Result<(), QueueError> {
        self.live()?;
        let mut held = self.shared.metadata.tags.lock();
        for k in keys {
            held.remove(k);
        }
        Ok(())
    }

    /// The queue's tags (ListQueueTags).
    pub fn tags(&self) -> Result<BTreeMap<String, String>, QueueError> {
        self.live()?;
        Ok(self.shared.metadata.tags.lock().clone())
    }

    /// Stores a permission statement under `label` (AddPermission). A label may be
    /// used once.
    pub fn add_permission(&self, label: &str, permission: QueuePermission) -> Result<(), QueueError> {
        self.live()?;
        if label.is_empty()
            || label.len() > 80
            || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(QueueError::InvalidParameterValue(format!("label {label:?} must be 1 to 80 of A-Za-z0-9-_")));
        }
        if permission.accounts.is_empty() || permission.actions.is_empty() {
            return Err(QueueError::MissingParameter("AWSAccountIds and Actions must not be empty".to_owned()));
        }
        let mut held = self.shared.metadata.permissions.lock();
        if held.contains_key(label) {
            return Err(QueueError::InvalidParameterValue(format!("label {label:?} is already in use")));
        }
        held.insert(label.to_owned(), permission);
        Ok(())
    }

    /// Removes the statement under `label` (RemovePermission).
    pub fn remove_permission(&self, label: &str) -> Result<(), QueueError> {
        self.live()?;
        match self.shared.metadata.permissions.lock().remove(label) {
            Some(_) => Ok(()),
            None => Err(QueueError::InvalidParameterValue(format!("no permission has the label {label:?}"))),
        }
    }

    /// The stored permission statements, by label.
    pub fn permissions(&self) -> BTreeMap<String, QueuePermission> {
        self.shared.metadata.permissions.lock().clone()
    }
}

impl QueuePermission {
    /// A statement granting `actions` to `accounts`.
    pub fn new(accounts: Vec<String>, actions: Vec<String>) -> Self {
        QueuePermission { accounts, actions }
    }
}
