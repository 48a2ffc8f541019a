//! The settings of an event source mapping and their validation.

use std::time::Duration;

use super::error::{invalid, MappingError};
use crate::function::Destination;
use crate::queue::Queue;
use crate::stream::{StartingPosition, Stream};
use crate::table::Table;

/// Largest batch from any source.
pub const MAX_BATCH_SIZE: u32 = 10_000;
/// Largest batch from a FIFO queue.
pub const MAX_FIFO_BATCH_SIZE: u32 = 10;
/// Longest batching window.
pub const MAX_BATCHING_WINDOW: Duration = Duration::from_secs(300);
/// Longest tumbling window.
pub const MAX_TUMBLING_WINDOW: Duration = Duration::from_secs(900);
/// Most retries of a failed stream batch (−1 means until the records expire).
pub const MAX_RETRY_ATTEMPTS: i32 = 10_000;
/// Shortest and longest maximum record age (when not −1).
pub const MIN_RECORD_AGE: Duration = Duration::from_secs(60);
/// Longest maximum record age.
pub const MAX_RECORD_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Most concurrent batches per shard.
pub const MAX_PARALLELIZATION: u32 = 10;
/// Bounds of a queue mapping's maximum concurrency.
pub const MIN_MAXIMUM_CONCURRENCY: u32 = 2;
/// Upper bound of a queue mapping's maximum concurrency.
pub const MAX_MAXIMUM_CONCURRENCY: u32 = 1_000;
/// Largest invoke payload a batch may make (Lambda's synchronous limit).
pub const MAX_BATCH_PAYLOAD: usize = 6 * 1024 * 1024;

/// Where a mapping reads from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum MappingSource {
    /// A queue (SQS).
    Queue(Queue),
    /// A stream (Kinesis).
    Stream(Stream),
    /// A table's change stream (DynamoDB Streams).
    Table(Table),
}

impl MappingSource {
    /// The source's ARN (for a table: its change stream's ARN when it has one).
    pub fn arn(&self) -> String {
        match self {
            MappingSource::Queue(q) => q.arn().to_owned(),
            MappingSource::Stream(s) => s.arn().to_owned(),
            MappingSource::Table(t) => t.stream().map(|c| c.arn()).unwrap_or_else(|_| t.arn().to_owned()),
        }
    }

    /// The service name AWS uses for it (`sqs`, `kinesis`, `dynamodb`).
    pub fn service(&self) -> &'static str {
        match self {
            MappingSource::Queue(_) => "sqs",
            MappingSource::Stream(_) => "kinesis",
            MappingSource::Table(_) => "dynamodb",
        }
    }
}

/// The settings of an event source mapping: a builder, validated by
/// [`FunctionRuntime::create_event_source_mapping`](crate::FunctionRuntime::create_event_source_mapping).
///
/// ```
/// use localcloud::mapping::EventSourceMapping;
/// use localcloud::{Cloud, QueueConfig};
/// use std::time::Duration;
/// let cloud = Cloud::builder().manual_clock().build();
/// let q = cloud.create_queue("jobs", QueueConfig::default())?;
/// let m = EventSourceMapping::queue(&q, "worker").batch_size(100).maximum_batching_window(Duration::from_secs(5));
/// assert_eq!(m.get_batch_size(), 100);
/// # Ok::<(), localcloud::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EventSourceMapping {
    pub(crate) source: MappingSource,
    pub(crate) function: String,
    pub(crate) batch_size: Option<u32>,
    pub(crate) window: Option<Duration>,
    pub(crate) report_item_failures: bool,
    pub(crate) maximum_concurrency: Option<u32>,
    pub(crate) starting_position: Option<StartingPosition>,
    pub(crate) bisect: bool,
    pub(crate) max_retries: i32,
    pub(crate) max_record_age: Option<Duration>,
    pub(crate) parallelization: u32,
    pub(crate) on_failure: Option<Destination>,
    pub(crate) tumbling_window: Duration,
    pub(crate) enabled: bool,
}

impl EventSourceMapping {
    fn new(source: MappingSource, function: &str) -> Self {
        EventSourceMapping {
            source,
            function: function.to_owned(),
            batch_size: None,
            window: None,
            report_item_failures: false,
            maximum_concurrency: None,
            starting_position: None,
            bisect: false,
            max_retries: -1,
            max_record_age: None,
            parallelization: 1,
            on_failure: None,
            tumbling_window: Duration::ZERO,
            enabled: true,
        }
    }

    /// Messages of `queue` to the function named `function` (`name`, `name:alias` or an ARN).
    pub fn queue(queue: &Queue, function: &str) -> Self {
        Self::new(MappingSource::Queue(queue.clone()), function)
    }

    /// Records of `stream` to `function`; a starting position is required.
    pub fn stream(stream: &Stream, function: &str) -> Self {
        Self::new(MappingSource::Stream(stream.clone()), function)
    }

    /// Change records of `table`'s stream to `function`; a starting position
    /// (TRIM_HORIZON or LATEST) is required.
    pub fn table_stream(table: &Table, function: &str) -> Self {
        Self::new(MappingSource::Table(table.clone()), function)
    }

    /// Most records per invoke (queue: 1–10,000, FIFO ≤ 10, default 10; stream:
    /// 1–10,000, default 100).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = Some(n);
        self
    }

    /// How long to gather records before invoking (whole seconds, 0–300 s). A batch
    /// goes when it is full, reaches 6 MB, or the window ends, whichever comes first.
    pub fn maximum_batching_window(mut self, d: Duration) -> Self {
        self.window = Some(d);
        self
    }

    /// Whether the function reports partial failures
    /// (`{"batchItemFailures":[{"itemIdentifier":..}]}`).
    pub fn report_batch_item_failures(mut self, on: bool) -> Self {
        self.report_item_failures = on;
        self
    }

    /// Queue only: most concurrent invokes (2–1,000).
    pub fn maximum_concurrency(mut self, n: u32) -> Self {
        self.maximum_concurrency = Some(n);
        self
    }

    /// Stream only: where reading starts (TRIM_HORIZON, LATEST, AT_TIMESTAMP; tables:
    /// TRIM_HORIZON or LATEST).
    pub fn starting_position(mut self, p: StartingPosition) -> Self {
        self.starting_position = Some(p);
        self
    }

    /// Stream only: split a failing batch in two and retry each half (a split is not a retry).
    pub fn bisect_batch_on_function_error(mut self, on: bool) -> Self {
        self.bisect = on;
        self
    }

    /// Stream only: retries of a failed batch (−1 = until the records expire, up to 10,000).
    pub fn maximum_retry_attempts(mut self, n: i32) -> Self {
        self.max_retries = n;
        self
    }

    /// Stream only: records older than this are not sent (60 s–7 days); `None` = −1, no limit.
    pub fn maximum_record_age(mut self, d: impl Into<Option<Duration>>) -> Self {
        self.max_record_age = d.into();
        self
    }

    /// Stream only: concurrent batches per shard (1–10); order is kept per partition key.
    pub fn parallelization_factor(mut self, n: u32) -> Self {
        self.parallelization = n;
        self
    }

    /// Stream only: where the metadata of a discarded batch goes (a queue or a topic).
    pub fn on_failure(mut self, d: Destination) -> Self {
        self.on_failure = Some(d);
        self
    }

    /// Stream only: tumbling window length (0–900 s; 0 = off).
    pub fn tumbling_window(mut self, d: Duration) -> Self {
        self.tumbling_window = d;
        self
    }

    /// Whether the mapping starts enabled (default true).
    pub fn enabled(mut self, on: bool) -> Self {
        self.enabled = on;
        self
    }

    /// The source.
    pub fn source(&self) -> &MappingSource {
        &self.source
    }

    /// The function target.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The batch size in effect (with its default).
    pub fn get_batch_size(&self) -> u32 {
        self.batch_size.unwrap_or(match self.source {
            MappingSource::Queue(_) => 10,
            _ => 100,
        })
    }

    /// The batching window in effect (default 0).
    pub fn get_maximum_batching_window(&self) -> Duration {
        self.window.unwrap_or(Duration::ZERO)
    }

    /// Whether partial batch responses are on.
    pub fn get_report_batch_item_failures(&self) -> bool {
        self.report_item_failures
    }

    /// The maximum concurrency, if set.
    pub fn get_maximum_concurrency(&self) -> Option<u32> {
        self.maximum_concurrency
    }

    /// The starting position of a stream mapping, if set.
    pub fn get_starting_position(&self) -> Option<&StartingPosition> {
        self.starting_position.as_ref()
    }

    /// Whether a failed stream batch is split in two.
    pub fn get_bisect_batch_on_function_error(&self) -> bool {
        self.bisect
    }

    /// The retry limit of a stream batch (−1: until it succeeds or expires).
    pub fn get_maximum_retry_attempts(&self) -> i32 {
        self.max_retries
    }

    /// The age past which a stream record is discarded, if set.
    pub fn get_maximum_record_age(&self) -> Option<Duration> {
        self.max_record_age
    }

    /// Concurrent batches per shard.
    pub fn get_parallelization_factor(&self) -> u32 {
        self.parallelization
    }

    /// Where discarded stream batches are recorded, if anywhere.
    pub fn get_on_failure(&self) -> Option<&Destination> {
        self.on_failure.as_ref()
    }

    /// The tumbling window (zero: none).
    pub fn get_tumbling_window(&self) -> Duration {
        self.tumbling_window
    }

    /// Whether the mapping is created enabled.
    pub fn get_enabled(&self) -> bool {
        self.enabled
    }

    /// Checks every setting against the source; AWS's `InvalidParameterValueException` otherwise.
    pub(crate) fn validate(&self) -> Result<(), MappingError> {
        let batch = self.get_batch_size();
        if !(1..=MAX_BATCH_SIZE).contains(&batch) {
            return Err(invalid(format!("batch size must be 1 to {MAX_BATCH_SIZE}, got {batch}")));
        }
        let window = self.get_maximum_batching_window();
        if window > MAX_BATCHING_WINDOW || window.subsec_nanos() != 0 {
            return Err(invalid(format!("batching window must be whole seconds 0 to 300, got {window:?}")));
        }
        let is_stream = !matches!(self.source, MappingSource::Queue(_));
        match &self.source {
            MappingSource::Queue(q) => {
                if q.is_fifo() && batch > MAX_FIFO_BATCH_SIZE {
                    return Err(invalid(format!("a FIFO queue's batch size must be 1 to 10, got {batch}")));
                }
                if q.is_fifo() && self.window.is_some_and(|w| !w.is_zero()) {
                    return Err(invalid("a FIFO queue takes no batching window"));
                }
                if batch > 10 && window < Duration::from_secs(1) {
                    return Err(invalid("a batch size over 10 needs a batching window of at least 1 s"));
                }
                if let Some(n) = self.maximum_concurrency {
                    if !(MIN_MAXIMUM_CONCURRENCY..=MAX_MAXIMUM_CONCURRENCY).contains(&n) {
                        return Err(invalid(format!("maximum concurrency must be 2 to 1000, got {n}")));
                    }
                }
                if self.starting_position.is_some() {
                    return Err(invalid("a queue mapping takes no starting position"));
                }
                let stream_only = self.bisect
                    || self.max_retries != -1
                    || self.max_record_age.is_some()
                    || self.parallelization != 1
                    || self.on_failure.is_some()
                    || !self.tumbling_window.is_zero();
                if stream_only {
                    return Err(invalid("retries, record age, bisect, parallelization, on-failure destinations and tumbling windows are for streams"));
                }
            }
            MappingSource::Stream(_) | MappingSource::Table(_) => {
                match self.starting_position {
                    None => return Err(invalid("a stream mapping needs a starting position")),
                    Some(StartingPosition::TrimHorizon | StartingPosition::Latest) => {}
                    Some(StartingPosition::AtTimestamp(_)) if matches!(self.source, MappingSource::Stream(_)) => {}
                    Some(p) => return Err(invalid(format!("starting position {p:?} is not allowed here"))),
                }
                if self.maximum_concurrency.is_some() {
                    return Err(invalid("maximum concurrency is for queues; use the parallelization factor"));
                }
                if !(-1..=MAX_RETRY_ATTEMPTS).contains(&self.max_retries) {
                    return Err(invalid(format!(
                        "maximum retry attempts must be -1 to 10000, got {}",
                        self.max_retries
                    )));
                }
                if let Some(age) = self.max_record_age {
                    if !(MIN_RECORD_AGE..=MAX_RECORD_AGE).contains(&age) {
                        return Err(invalid(format!("maximum record age must be -1 or 60 s to 7 days, got {age:?}")));
                    }
                }
                if !(1..=MAX_PARALLELIZATION).contains(&self.parallelization) {
                    return Err(invalid(format!(
                        "parallelization factor must be 1 to 10, got {}",
                        self.parallelization
                    )));
                }
                if self.tumbling_window > MAX_TUMBLING_WINDOW || self.tumbling_window.subsec_nanos() != 0 {
                    return Err(invalid("tumbling window must be whole seconds 0 to 900"));
                }
                if matches!(self.on_failure, Some(Destination::Function(_))) {
                    return Err(invalid("an on-failure destination of a stream mapping is a queue or a topic"));
                }
            }
        }
        debug_assert!(is_stream || self.starting_position.is_none());
        Ok(())
    }
}
