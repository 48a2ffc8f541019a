//! A stream's resource metadata: its tags (AddTagsToStream, RemoveTagsFromStream,
//! ListTagsForStream) and its creation time (DescribeStream).

use std::collections::BTreeMap;

use parking_lot::Mutex;

use super::{Stream, StreamError};
use crate::clock::Timestamp;

/// At most this many tags on one stream.
pub const MAX_STREAM_TAGS: usize = 50;

/// Tags and the creation time, kept beside the stream's state.
#[derive(Debug)]
pub(crate) struct Metadata {
    tags: Mutex<BTreeMap<String, String>>,
    created_at: Timestamp,
}

impl Metadata {
    pub(crate) fn new(created_at: Timestamp) -> Self {
        Metadata { tags: Mutex::default(), created_at }
    }
}

impl Stream {
    fn live(&self) -> Result<(), StreamError> {
        if self.exists() {
            Ok(())
        } else {
            Err(StreamError::StreamNotFound { name: self.name().to_owned() })
        }
    }

    /// When the stream was created.
    pub fn created_at(&self) -> Timestamp {
        self.shared.metadata.created_at
    }

    /// Adds or replaces tags (AddTagsToStream): keys 1 to 128 characters, values at most
    /// 256, at most [`MAX_STREAM_TAGS`] on the stream.
    ///
    /// ```
    /// use localcloud::{Cloud, StreamConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let s = cloud.create_stream("clicks", StreamConfig::with_shards(1))?;
    /// s.tag([("team".to_owned(), "web".to_owned())])?;
    /// assert_eq!(s.tags()?.len(), 1);
    /// s.untag(["team"])?;
    /// assert!(s.tags()?.is_empty());
    /// # Ok::<(), localcloud::StreamError>(())
    /// ```
    pub fn tag(&self, tags: impl IntoIterator<Item = (String, String)>) -> Result<(), StreamError> {
        self.live()?;
        let tags: Vec<(String, String)> = tags.into_iter().collect();
        for (k, v) in &tags {
            if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
                return Err(StreamError::InvalidArgument(format!(
                    "tag {k:?}: keys are 1 to 128 characters, values at most 256"
                )));
            }
        }
        let mut held = self.shared.metadata.tags.lock();
        let fresh = tags.iter().filter(|(k, _)| !held.contains_key(k)).count();
        if held.len() + fresh > MAX_STREAM_TAGS {
            return Err(StreamError::LimitExceeded(format!("a stream holds at most {MAX_STREAM_TAGS} tags")));
        }
        held.extend(tags);
        Ok(())
    }

    /// Removes tags by key (RemoveTagsFromStream); absent keys are ignored.
    pub fn untag<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Result<(), StreamError> {
        self.live()?;
        let mut held = self.shared.metadata.tags.lock();
        for k in keys {
            held.remove(k);
        }
        Ok(())
    }

    /// The stream's tags (ListTagsForStream), by key.
    pub fn tags(&self) -> Result<BTreeMap<String, String>, StreamError> {
        self.live()?;
        Ok(self.shared.metadata.tags.lock().clone())
    }
}
