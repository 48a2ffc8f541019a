//! [`TopicConfig`] and the topic-wide limits.

use super::TopicError;

/// Largest message a topic accepts: body plus every attribute's name, type and value
/// (SNS stays at 256 KiB while SQS moved to 1 MiB).
pub const MAX_PUBLISH_SIZE: usize = 262_144;

/// A subject must be shorter than this many characters.
pub const MAX_SUBJECT_CHARS: usize = 100;

/// How a topic behaves: standard (best-effort order, any subscriber) or FIFO
/// (ordered per message group, deduplicated, queues only). Fixed at creation.
///
/// ```
/// use localcloud::TopicConfig;
/// let c = TopicConfig::fifo().content_based_deduplication(true);
/// assert!(c.is_fifo());
/// assert!(!TopicConfig::default().is_fifo());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicConfig {
    pub(crate) fifo: bool,
    pub(crate) content_based_deduplication: bool,
}

impl TopicConfig {
    /// A standard topic (the default).
    pub fn standard() -> Self {
        Self::default()
    }

    /// A FIFO topic; its name must end in `.fifo`.
    pub fn fifo() -> Self {
        TopicConfig { fifo: true, ..Self::default() }
    }

    /// FIFO topics: deduplicate by the SHA-256 of the body when a publish carries no
    /// deduplication id.
    pub fn content_based_deduplication(mut self, on: bool) -> Self {
        self.content_based_deduplication = on;
        self
    }

    /// Whether this is a FIFO topic.
    pub fn is_fifo(&self) -> bool {
        self.fifo
    }

    /// Whether content-based deduplication is on.
    pub fn get_content_based_deduplication(&self) -> bool {
        self.content_based_deduplication
    }

    pub(crate) fn validate(&self, name: &str) -> Result<(), TopicError> {
        validate_name(name, self.fifo)?;
        if self.content_based_deduplication && !self.fifo {
            return Err(TopicError::invalid("content-based deduplication is only valid on a FIFO topic"));
        }
        Ok(())
    }
}

/// Topic names: 1–256 of `[A-Za-z0-9_-]`, plus the `.fifo` suffix that FIFO topics
/// must have and standard topics must not (counted in the 256).
fn validate_name(name: &str, fifo: bool) -> Result<(), TopicError> {
    if name.is_empty() || name.len() > 256 {
        return Err(TopicError::invalid(format!("topic name {name:?} must be 1 to 256 characters")));
    }
    let stem = match name.strip_suffix(".fifo") {
        Some(stem) if fifo => stem,
        Some(_) => return Err(TopicError::invalid(format!("standard topic name {name:?} may not end in .fifo"))),
        None if fifo => return Err(TopicError::invalid(format!("FIFO topic name {name:?} must end in .fifo"))),
        None => name,
    };
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(TopicError::invalid(format!(
            "topic name {name:?} may hold only A-Z, a-z, 0-9, '_' and '-' (and the .fifo suffix)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("a", false).is_ok());
        assert!(validate_name(&"x".repeat(256), false).is_ok());
        assert!(validate_name(&format!("{}.fifo", "x".repeat(251)), true).is_ok());
        for (bad, fifo) in [("", false), ("a.b", false), ("a.fifo", false), ("a", true), (".fifo", true)] {
            assert!(validate_name(bad, fifo).is_err(), "{bad}");
        }
        assert!(validate_name(&"x".repeat(257), false).is_err());
    }

    #[test]
    fn content_dedup_needs_fifo() {
        assert!(TopicConfig::default().content_based_deduplication(true).validate("t").is_err());
    }
}
