//! Enhanced fan-out: registered stream consumers and `SubscribeToShard`
//! subscriptions that push a shard's records to one consumer with its own
//! throughput (2 MB/s per consumer per shard), for 5 minutes at a time.
//!
//! Built on the stream's public reads: when the stream enforces its read limits, a
//! subscription's reads count against them too, and a throttled read simply
//! delivers nothing until the next look.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::ConsumerError;
use crate::clock::{Clock, Timestamp};
use crate::cloud::Cloud;
use crate::stream::{Record, SequenceNumber, Shard, ShardId, ShardIterator, StartingPosition, Stream, StreamError};

/// Registered consumers per stream, at most.
pub const MAX_CONSUMERS_PER_STREAM: usize = 20;
/// How long one subscription lasts.
pub const SUBSCRIPTION_LIFETIME: Duration = Duration::from_secs(300);
/// Bytes per second pushed to one consumer from one shard.
pub const FAN_OUT_BYTES_PER_SEC: u64 = 2 << 20;
/// A second subscription of one consumer to one shard within this time is refused.
const RESUBSCRIBE_GAP: Duration = Duration::from_secs(5);

/// Whether a registered consumer can subscribe. Registration is immediate here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamConsumerStatus {
    /// Ready for subscriptions.
    Active,
}

/// A registered stream consumer, as `DescribeStreamConsumer` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConsumer {
    name: String,
    arn: String,
    stream_arn: String,
    created: Timestamp,
}

impl StreamConsumer {
    /// The consumer's name, unique within its stream.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `{stream arn}/consumer/{name}:{creation time in seconds}`.
    pub fn arn(&self) -> &str {
        &self.arn
    }
    /// The stream's ARN.
    pub fn stream_arn(&self) -> &str {
        &self.stream_arn
    }
    /// When it was registered.
    pub fn creation_timestamp(&self) -> Timestamp {
        self.created
    }
    /// Always `Active`: registration takes no time here.
    pub fn status(&self) -> StreamConsumerStatus {
        StreamConsumerStatus::Active
    }
}

#[derive(Default)]
struct Registration {
    info: Option<StreamConsumer>,
    /// Per shard: when the latest subscription started, and its generation.
    subscriptions: BTreeMap<ShardId, (Timestamp, u64)>,
}

/// The registered consumers of every stream of one cloud, by stream ARN then name.
#[derive(Default)]
pub(crate) struct FanOutRegistry {
    consumers: Mutex<BTreeMap<String, BTreeMap<String, Registration>>>,
    generations: std::sync::atomic::AtomicU64,
}

impl crate::service::Service for FanOutRegistry {}

fn check_name(name: &str) -> Result<(), ConsumerError> {
    let ok = (1..=128).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ConsumerError::Validation(format!("consumer name {name:?} must be 1-128 of [a-zA-Z0-9_.-]")))
    }
}

fn not_found(stream: &Stream, name: &str) -> ConsumerError {
    ConsumerError::NotFound(format!("consumer {name:?} of stream {:?}", stream.name()))
}

impl Cloud {
    /// Registers an enhanced fan-out consumer of `stream` (RegisterStreamConsumer).
    ///
    /// Errors: `ValidationException` for a bad name, `ResourceInUseException` when
    /// the name is taken, `LimitExceededException` past 20 per stream,
    /// `ResourceNotFoundException` for a deleted stream.
    ///
    /// ```
    /// use localcloud::{Cloud, StreamConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let s = cloud.create_stream("clicks", StreamConfig::with_shards(1))?;
    /// let c = cloud.register_stream_consumer(&s, "analytics")?;
    /// assert!(c.arn().starts_with(&format!("{}/consumer/analytics:", s.arn())));
    /// assert_eq!(cloud.list_stream_consumers(&s)?.len(), 1);
    /// cloud.deregister_stream_consumer(&s, "analytics")?;
    /// # Ok::<(), localcloud::Error>(())
    /// ```
    pub fn register_stream_consumer(&self, stream: &Stream, name: &str) -> Result<StreamConsumer, ConsumerError> {
        check_name(name)?;
        if !stream.exists() {
            return Err(StreamError::StreamNotFound { name: stream.name().to_owned() }.into());
        }
        let registry = self.service::<FanOutRegistry>();
        let mut all = registry.consumers.lock();
        let of_stream = all.entry(stream.arn().to_owned()).or_default();
        if of_stream.contains_key(name) {
            return Err(ConsumerError::ResourceInUse(format!("consumer {name:?} is already registered")));
        }
        if of_stream.len() >= MAX_CONSUMERS_PER_STREAM {
            return Err(ConsumerError::LimitExceeded(format!(
                "stream {:?} has {MAX_CONSUMERS_PER_STREAM} consumers already",
                stream.name()
            )));
        }
        let created = self.now();
        let info = StreamConsumer {
            name: name.to_owned(),
            arn: format!("{}/consumer/{name}:{}", stream.arn(), created.as_millis() / 1000),
            stream_arn: stream.arn().to_owned(),
            created,
        };
        of_stream.insert(name.to_owned(), Registration { info: Some(info.clone()), subscriptions: BTreeMap::new() });
        Ok(info)
    }

    /// The registered consumer `name` of `stream` (DescribeStreamConsumer).
    ///
    /// Errors: `ResourceNotFoundException`.
    pub fn describe_stream_consumer(&self, stream: &Stream, name: &str) -> Result<StreamConsumer, ConsumerError> {
        let registry = self.service::<FanOutRegistry>();
        let all = registry.consumers.lock();
        all.get(stream.arn())
            .and_then(|c| c.get(name))
            .and_then(|r| r.info.clone())
            .ok_or_else(|| not_found(stream, name))
    }

    /// The registered consumers of `stream`, by name (ListStreamConsumers).
    ///
    /// Errors: `ResourceNotFoundException` for a deleted stream.
    pub fn list_stream_consumers(&self, stream: &Stream) -> Result<Vec<StreamConsumer>, ConsumerError> {
        if !stream.exists() {
            return Err(StreamError::StreamNotFound { name: stream.name().to_owned() }.into());
        }
        let registry = self.service::<FanOutRegistry>();
        let all = registry.consumers.lock();
        Ok(all.get(stream.arn()).map(|c| c.values().filter_map(|r| r.info.clone()).collect()).unwrap_or_default())
    }

    /// Deregisters a consumer (DeregisterStreamConsumer); its subscriptions end.
    ///
    /// Errors: `ResourceNotFoundException`.
    pub fn deregister_stream_consumer(&self, stream: &Stream, name: &str) -> Result<(), ConsumerError> {
        let registry = self.service::<FanOutRegistry>();
        let mut all = registry.consumers.lock();
        all.get_mut(stream.arn()).and_then(|c| c.remove(name)).map(|_| ()).ok_or_else(|| not_found(stream, name))
    }

    /// Subscribes the registered consumer `name` to one shard from `position`
    /// (SubscribeToShard). The subscription pushes the shard's records as they
    /// arrive, up to 2 MB/s, for 5 minutes; then subscribe again from its
    /// continuation sequence number.
    ///
    /// Errors: `ResourceNotFoundException` for an unknown consumer or shard,
    /// `ResourceInUseException` for a second subscription of the same consumer to the
    /// same shard within 5 seconds, the stream's errors for a bad position.
    ///
    /// ```
    /// use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let s = cloud.create_stream("clicks", StreamConfig::with_shards(1))?;
    /// cloud.register_stream_consumer(&s, "analytics")?;
    /// let shard = *s.shards()[0].shard_id();
    /// let mut sub = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::TrimHorizon)?;
    /// s.put_record(PutRecord::new("k", "hello"))?;
    /// let event = sub.next_event().unwrap();
    /// assert_eq!(event.records()[0].data().as_ref(), b"hello");
    /// assert_eq!(event.continuation_sequence_number(), Some(event.records()[0].sequence_number()));
    /// # Ok::<(), localcloud::Error>(())
    /// ```
    pub fn subscribe_to_shard(
        &self,
        stream: &Stream,
        name: &str,
        shard: &ShardId,
        position: StartingPosition,
    ) -> Result<ShardSubscription, ConsumerError> {
        let registry = self.service::<FanOutRegistry>();
        let now = self.now();
        let iterator = stream.shard_iterator(shard, position)?;
        let generation = {
            let mut all = registry.consumers.lock();
            let reg = all.get_mut(stream.arn()).and_then(|c| c.get_mut(name)).ok_or_else(|| not_found(stream, name))?;
            if let Some((started, _)) = reg.subscriptions.get(shard) {
                if now < *started + RESUBSCRIBE_GAP {
                    return Err(ConsumerError::ResourceInUse(format!(
                        "consumer {name:?} subscribed to {shard} less than 5 s ago"
                    )));
                }
            }
            let g = registry.generations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            reg.subscriptions.insert(*shard, (now, g));
            g
        };
        Ok(ShardSubscription {
            stream: stream.clone(),
            name: name.to_owned(),
            shard: *shard,
            registry,
            generation,
            clock: self.clock(),
            started: now,
            position,
            iterator: Some(iterator),
            buffered: VecDeque::new(),
            pending_children: None,
            continuation: None,
            // A fresh subscription may push a second's worth at once.
            budget_at: now.saturating_sub(Duration::from_secs(1)),
            millis_behind_latest: 0,
            finished: false,
        })
    }
}

/// One push from a subscription: records, where to continue, and at the end of a
/// closed shard its children.
#[derive(Clone, Debug)]
pub struct SubscribeToShardEvent {
    records: Vec<Record>,
    continuation: Option<SequenceNumber>,
    millis_behind_latest: u64,
    child_shards: Vec<Shard>,
    at_shard_end: bool,
}

impl SubscribeToShardEvent {
    /// Whether this is the last event of a closed shard: every record was delivered.
    pub fn is_at_shard_end(&self) -> bool {
        self.at_shard_end
    }
    /// The records, in order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }
    /// The sequence number to subscribe after to continue (the last record
    /// delivered so far), if any record was delivered.
    pub fn continuation_sequence_number(&self) -> Option<&SequenceNumber> {
        self.continuation.as_ref()
    }
    /// How far the last record is behind the shard's newest, in milliseconds.
    pub fn millis_behind_latest(&self) -> u64 {
        self.millis_behind_latest
    }
    /// The child shards, in the last event of a closed shard.
    pub fn child_shards(&self) -> &[Shard] {
        &self.child_shards
    }
}

/// A live `SubscribeToShard` stream. Each [`next_event`](ShardSubscription::next_event)
/// delivers what arrived since the last one, within 2 MB/s.
pub struct ShardSubscription {
    stream: Stream,
    name: String,
    shard: ShardId,
    registry: Arc<FanOutRegistry>,
    generation: u64,
    clock: Arc<dyn Clock>,
    started: Timestamp,
    position: StartingPosition,
    iterator: Option<ShardIterator>,
    buffered: VecDeque<Record>,
    pending_children: Option<Vec<Shard>>,
    continuation: Option<SequenceNumber>,
    /// Bytes may be pushed up to this time's worth of throughput.
    budget_at: Timestamp,
    millis_behind_latest: u64,
    finished: bool,
}

impl fmt::Debug for ShardSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardSubscription")
            .field("consumer", &self.name)
            .field("shard", &self.shard)
            .field("continuation", &self.continuation)
            .field("finished", &self.finished)
            .finish()
    }
}

fn size(r: &Record) -> u64 {
    (r.data().len() + r.partition_key().len()) as u64
}

impl ShardSubscription {
    /// The shard.
    pub fn shard_id(&self) -> &ShardId {
        &self.shard
    }

    /// The last record delivered: subscribe again after it to continue.
    pub fn continuation_sequence_number(&self) -> Option<&SequenceNumber> {
        self.continuation.as_ref()
    }

    /// Whether the subscription ended: its 5 minutes passed, the shard's end was
    /// delivered, a newer subscription replaced it, or the consumer was deregistered.
    pub fn is_finished(&mut self) -> bool {
        if !self.finished {
            let now = self.clock.now();
            let current = {
                let all = self.registry.consumers.lock();
                all.get(self.stream.arn())
                    .and_then(|c| c.get(&self.name))
                    .and_then(|r| r.subscriptions.get(&self.shard))
                    .is_some_and(|(_, g)| *g == self.generation)
            };
            self.finished = !current || now >= self.started + SUBSCRIPTION_LIFETIME;
        }
        self.finished
    }

    /// The next push: records that arrived since the last one, up to the 2 MB/s
    /// budget, or the shard's children at its end. `None` when there is nothing
    /// new yet or the subscription is finished.
    pub fn next_event(&mut self) -> Option<SubscribeToShardEvent> {
        if self.is_finished() {
            return None;
        }
        if self.buffered.is_empty() && self.pending_children.is_none() {
            self.fetch();
        }
        let now = self.clock.now();
        // Up to one second of unused throughput carries over.
        let floor = now.saturating_sub(Duration::from_secs(1));
        if self.budget_at < floor {
            self.budget_at = floor;
        }
        let mut records = Vec::new();
        while let Some(r) = self.buffered.front() {
            let cost = Duration::from_nanos(size(r).saturating_mul(1_000_000_000) / FAN_OUT_BYTES_PER_SEC);
            if self.budget_at > now {
                break;
            }
            self.budget_at = self.budget_at + cost;
            records.push(self.buffered.pop_front().expect("front exists"));
        }
        let at_end = self.buffered.is_empty() && self.pending_children.is_some();
        if records.is_empty() && !at_end {
            return None;
        }
        if let Some(last) = records.last() {
            self.continuation = Some(*last.sequence_number());
        }
        let child_shards = if at_end {
            self.finished = true;
            self.pending_children.take().unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(SubscribeToShardEvent {
            records,
            continuation: self.continuation,
            millis_behind_latest: if self.buffered.is_empty() { self.millis_behind_latest } else { 1 },
            child_shards,
            at_shard_end: at_end,
        })
    }

    fn fetch(&mut self) {
        let Some(it) = self.iterator.take() else { return };
        match self.stream.get_records(&it, None) {
            Ok(out) => {
                self.millis_behind_latest = out.millis_behind_latest();
                self.iterator = out.next_iterator().cloned();
                if self.iterator.is_none() {
                    self.pending_children = Some(out.child_shards().to_vec());
                }
                self.buffered.extend(out.into_records());
            }
            Err(StreamError::ExpiredIterator { .. }) | Err(StreamError::ProvisionedThroughputExceeded { .. }) => {
                // Reopen where delivery stopped; a throttled read tries again next time.
                let at = self.continuation.map_or(self.position, StartingPosition::AfterSequenceNumber);
                self.iterator = self.stream.shard_iterator(&self.shard, at).ok().or(Some(it));
            }
            Err(_) => self.finished = true,
        }
    }
}
