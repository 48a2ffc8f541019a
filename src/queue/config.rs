//! [`QueueConfig`] and the policies it holds, validated once at creation.

use std::fmt;
use std::time::Duration;

use super::{Queue, QueueError};

/// The largest message a queue may accept: 1 MiB.
pub const MAX_MESSAGE_SIZE: usize = 1_048_576;
/// The longest delay: 15 minutes.
pub const MAX_DELAY: Duration = Duration::from_secs(900);
/// The longest visibility timeout: 12 hours.
pub const MAX_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(43_200);
/// The longest long-poll wait: 20 seconds.
pub const MAX_RECEIVE_WAIT: Duration = Duration::from_secs(20);
/// The shortest retention period: 60 seconds.
pub const MIN_RETENTION: Duration = Duration::from_secs(60);
/// The longest retention period: 14 days.
pub const MAX_RETENTION: Duration = Duration::from_secs(14 * 86_400);

/// How a FIFO queue scopes message deduplication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DeduplicationScope {
    /// A deduplication id is unique across the whole queue (the default).
    #[default]
    Queue,
    /// A deduplication id is unique within its message group.
    MessageGroup,
}

/// Where a FIFO queue's throughput quota applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FifoThroughputLimit {
    /// One quota for the whole queue (the default).
    #[default]
    PerQueue,
    /// A quota per message group (high-throughput mode; needs
    /// [`DeduplicationScope::MessageGroup`]).
    PerMessageGroupId,
}

/// Sends messages received too often to a dead-letter queue.
///
/// The receive that would take a message past `max_receive_count` moves it to the
/// DLQ instead of returning it.
#[derive(Clone)]
pub struct RedrivePolicy {
    pub(crate) dead_letter_queue: Queue,
    pub(crate) max_receive_count: u32,
}

impl RedrivePolicy {
    /// Messages received more than `max_receive_count` times (1–1,000) go to `dlq`.
    pub fn new(dlq: &Queue, max_receive_count: u32) -> Self {
        RedrivePolicy { dead_letter_queue: dlq.clone(), max_receive_count }
    }

    /// The dead-letter queue.
    pub fn dead_letter_queue(&self) -> &Queue {
        &self.dead_letter_queue
    }

    /// How many receives a message gets before it moves.
    pub fn max_receive_count(&self) -> u32 {
        self.max_receive_count
    }
}

impl PartialEq for RedrivePolicy {
    fn eq(&self, other: &Self) -> bool {
        self.dead_letter_queue.same_queue(&other.dead_letter_queue) && self.max_receive_count == other.max_receive_count
    }
}

impl fmt::Debug for RedrivePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedrivePolicy")
            .field("dead_letter_queue", &self.dead_letter_queue.arn())
            .field("max_receive_count", &self.max_receive_count)
            .finish()
    }
}

/// Which source queues may use a queue as their dead-letter queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RedriveAllowPolicy {
    /// Any queue may (the default).
    #[default]
    AllowAll,
    /// No queue may.
    DenyAll,
    /// Only the listed source queues (by ARN, at most 10).
    ByQueue(Vec<String>),
}

impl RedriveAllowPolicy {
    /// Only these queues may use this one as their DLQ.
    pub fn by_queue<'a>(sources: impl IntoIterator<Item = &'a Queue>) -> Self {
        RedriveAllowPolicy::ByQueue(sources.into_iter().map(|q| q.arn().to_owned()).collect())
    }

    pub(crate) fn allows(&self, source_arn: &str) -> bool {
        match self {
            RedriveAllowPolicy::AllowAll => true,
            RedriveAllowPolicy::DenyAll => false,
            RedriveAllowPolicy::ByQueue(arns) => arns.iter().any(|a| a == source_arn),
        }
    }
}

/// A queue's settings: `Default` plus chaining setters, checked by
/// [`Cloud::create_queue`](crate::Cloud::create_queue).
///
/// ```
/// use localcloud::QueueConfig;
/// use std::time::Duration;
/// let standard = QueueConfig::default().visibility_timeout(Duration::from_secs(60));
/// let fifo = QueueConfig::fifo().content_based_deduplication(true);
/// assert!(!standard.is_fifo() && fifo.is_fifo());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QueueConfig {
    pub(crate) fifo: bool,
    pub(crate) delay: Duration,
    pub(crate) max_message_size: usize,
    pub(crate) retention: Duration,
    pub(crate) visibility_timeout: Duration,
    pub(crate) receive_wait: Duration,
    pub(crate) redrive: Option<RedrivePolicy>,
    pub(crate) redrive_allow: RedriveAllowPolicy,
    pub(crate) content_based_deduplication: bool,
    pub(crate) deduplication_scope: DeduplicationScope,
    pub(crate) throughput_limit: FifoThroughputLimit,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            fifo: false,
            delay: Duration::ZERO,
            max_message_size: MAX_MESSAGE_SIZE,
            retention: Duration::from_secs(4 * 86_400),
            visibility_timeout: Duration::from_secs(30),
            receive_wait: Duration::ZERO,
            redrive: None,
            redrive_allow: RedriveAllowPolicy::AllowAll,
            content_based_deduplication: false,
            deduplication_scope: DeduplicationScope::Queue,
            throughput_limit: FifoThroughputLimit::PerQueue,
        }
    }
}

impl QueueConfig {
    /// A standard queue's defaults (same as `default()`).
    pub fn standard() -> Self {
        Self::default()
    }

    /// A FIFO queue's defaults. Its name must end in `.fifo`.
    pub fn fifo() -> Self {
        QueueConfig { fifo: true, ..Self::default() }
    }

    /// Whether this is a FIFO queue.
    pub fn is_fifo(&self) -> bool {
        self.fifo
    }

    /// How long a received message stays hidden (0–12 h, default 30 s).
    pub fn visibility_timeout(mut self, d: Duration) -> Self {
        self.visibility_timeout = d;
        self
    }

    /// Delay before a new message can be received (0–15 min, default 0). Changing it on a
    /// FIFO queue re-times the messages already queued; on a standard queue it applies to
    /// later sends only.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    /// How long messages are kept (60 s–14 days, default 4 days).
    pub fn retention(mut self, d: Duration) -> Self {
        self.retention = d;
        self
    }

    /// Largest message in bytes, body plus attributes (1,024–1,048,576, default 1 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Default long-poll wait of a receive (0–20 s, default 0).
    ///
    /// On a [`ManualClock`](crate::ManualClock), a [`Queue::receive`](crate::Queue::receive)
    /// on such a queue whose options set no wait of their own blocks until another
    /// thread sends, changes a visibility or advances the clock: from the only thread
    /// that drives the clock it never returns.
    /// [`Queue::try_receive`](crate::Queue::try_receive) never waits. See the
    /// two-thread pattern in the crate tutorial.
    pub fn receive_wait(mut self, d: Duration) -> Self {
        self.receive_wait = d;
        self
    }

    /// Sends messages received too often to a dead-letter queue.
    pub fn redrive(mut self, policy: RedrivePolicy) -> Self {
        self.redrive = Some(policy);
        self
    }

    /// Which queues may use this queue as their dead-letter queue.
    pub fn redrive_allow(mut self, policy: RedriveAllowPolicy) -> Self {
        self.redrive_allow = policy;
        self
    }

    /// FIFO: deduplicate by the SHA-256 of the body when no deduplication id is given.
    pub fn content_based_deduplication(mut self, on: bool) -> Self {
        self.content_based_deduplication = on;
        self
    }

    /// FIFO: whether deduplication ids are unique per queue or per message group.
    pub fn deduplication_scope(mut self, scope: DeduplicationScope) -> Self {
        self.deduplication_scope = scope;
        self
    }

    /// FIFO: whether the throughput quota applies per queue or per message group.
    pub fn throughput_limit(mut self, limit: FifoThroughputLimit) -> Self {
        self.throughput_limit = limit;
        self
    }

    /// The visibility timeout.
    pub fn get_visibility_timeout(&self) -> Duration {
        self.visibility_timeout
    }

    /// The queue-wide delay.
    pub fn get_delay(&self) -> Duration {
        self.delay
    }

    /// The retention period.
    pub fn get_retention(&self) -> Duration {
        self.retention
    }

    /// The largest message size in bytes.
    pub fn get_max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The default long-poll wait.
    pub fn get_receive_wait(&self) -> Duration {
        self.receive_wait
    }

    /// The redrive policy, if any.
    pub fn get_redrive(&self) -> Option<&RedrivePolicy> {
        self.redrive.as_ref()
    }

    /// The redrive allow policy.
    pub fn get_redrive_allow(&self) -> &RedriveAllowPolicy {
        &self.redrive_allow
    }

    /// Whether content-based deduplication is on.
    pub fn get_content_based_deduplication(&self) -> bool {
        self.content_based_deduplication
    }

    /// The deduplication scope.
    pub fn get_deduplication_scope(&self) -> DeduplicationScope {
        self.deduplication_scope
    }

    /// The FIFO throughput limit.
    pub fn get_throughput_limit(&self) -> FifoThroughputLimit {
        self.throughput_limit
    }

    /// Checks every setting for a queue named `name` whose ARN is `arn`.
    pub(crate) fn validate(&self, name: &str, arn: &str) -> Result<(), QueueError> {
        validate_name(name, self.fifo)?;
        let attr = |what: &str, d: Duration, max: Duration| {
            if d > max || d.subsec_nanos() != 0 {
                Err(QueueError::InvalidAttributeValue(format!(
                    "{what} must be whole seconds from 0 to {} s, got {d:?}",
                    max.as_secs()
                )))
            } else {
                Ok(())
            }
        };
        attr("delay", self.delay, MAX_DELAY)?;
        attr("visibility timeout", self.visibility_timeout, MAX_VISIBILITY_TIMEOUT)?;
        attr("receive wait", self.receive_wait, MAX_RECEIVE_WAIT)?;
        if !(1_024..=MAX_MESSAGE_SIZE).contains(&self.max_message_size) {
            return Err(QueueError::InvalidAttributeValue(format!(
                "max message size must be 1,024 to 1,048,576 bytes, got {}",
                self.max_message_size
            )));
        }
        if self.retention < MIN_RETENTION || self.retention > MAX_RETENTION || self.retention.subsec_nanos() != 0 {
            return Err(QueueError::InvalidAttributeValue(format!(
                "retention must be whole seconds from 60 s to 14 days, got {:?}",
                self.retention
            )));
        }
        if let Some(r) = &self.redrive {
            if !(1..=1_000).contains(&r.max_receive_count) {
                return Err(QueueError::InvalidParameterValue(format!(
                    "redrive policy max receive count must be 1 to 1,000, got {}",
                    r.max_receive_count
                )));
            }
            let dlq = &r.dead_letter_queue;
            if !dlq.exists() {
                return Err(QueueError::InvalidParameterValue(format!(
                    "dead-letter queue {} does not exist",
                    dlq.arn()
                )));
            }
            if dlq.is_fifo() != self.fifo {
                return Err(QueueError::InvalidParameterValue(
                    "a dead-letter queue must be of the same kind as its source (FIFO with FIFO, standard with standard)"
                        .into(),
                ));
            }
            if !dlq.redrive_allow_policy().allows(arn) {
                return Err(QueueError::InvalidParameterValue(format!(
                    "the redrive allow policy of {} does not allow {arn} as a source",
                    dlq.arn()
                )));
            }
        }
        if let RedriveAllowPolicy::ByQueue(arns) = &self.redrive_allow {
            if arns.is_empty() || arns.len() > 10 {
                return Err(QueueError::InvalidParameterValue(format!(
                    "a redrive allow policy by queue lists 1 to 10 source queues, got {}",
                    arns.len()
                )));
            }
        }
        if !self.fifo
            && (self.content_based_deduplication
                || self.deduplication_scope != DeduplicationScope::Queue
                || self.throughput_limit != FifoThroughputLimit::PerQueue)
        {
            return Err(QueueError::InvalidAttributeValue(
                "content-based deduplication, deduplication scope and throughput limit apply to FIFO queues only"
                    .into(),
            ));
        }
        if self.throughput_limit == FifoThroughputLimit::PerMessageGroupId
            && self.deduplication_scope != DeduplicationScope::MessageGroup
        {
            return Err(QueueError::InvalidAttributeValue(
                "a per-message-group throughput limit needs the message-group deduplication scope".into(),
            ));
        }
        Ok(())
    }
}

/// Queue names: 1–80 of `[A-Za-z0-9_-]`, FIFO names end in `.fifo` (counted).
pub(crate) fn validate_name(name: &str, fifo: bool) -> Result<(), QueueError> {
    let stem = name.strip_suffix(".fifo");
    let bad = |why: &str| Err(QueueError::InvalidParameterValue(format!("queue name {name:?} {why}")));
    if name.is_empty() || name.len() > 80 {
        return bad("must be 1 to 80 characters");
    }
    match (fifo, stem) {
        (true, None) => {
            return Err(QueueError::InvalidAttributeName(format!(
                "FifoQueue applies only to queues whose name ends in .fifo; {name:?} does not"
            )))
        }
        (false, Some(_)) => return bad("may end in .fifo only for a FIFO queue"),
        _ => {}
    }
    let stem = stem.unwrap_or(name);
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return bad("may hold only A-Z, a-z, 0-9, '_' and '-'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("orders", false).is_ok());
        assert!(validate_name(&"a".repeat(80), false).is_ok());
        assert!(validate_name(&format!("{}.fifo", "a".repeat(75)), true).is_ok());
        assert!(validate_name(&format!("{}.fifo", "a".repeat(76)), true).is_err());
        assert!(validate_name(&"a".repeat(81), false).is_err());
        assert!(validate_name("", false).is_err());
        assert!(validate_name("a.b", false).is_err());
        assert!(validate_name("q.fifo", false).is_err());
        assert!(validate_name("q", true).is_err());
        assert!(validate_name(".fifo", true).is_err());
    }
}
