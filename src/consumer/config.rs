//! [`ConsumerBuilder`]: a worker's settings, validated once at `build`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::processor::ShardRecordProcessor;
use super::source::{ConsumerSource, Source};
use super::worker::{ProcessorFactory, Worker, WorkerShared};
use super::{ConsumerError, LeaseTable, NAMESPACE};
use crate::cloud::Cloud;
use crate::shards::ShardSource;
use crate::stream::{StartingPosition, MAX_GET_RECORDS_LIMIT};

/// The KCL's default failover time.
pub const DEFAULT_FAILOVER_TIME: Duration = Duration::from_secs(10);
/// The KCL's default pause between reads of a shard.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(1500);

/// The longest failover, renew, take or poll interval a worker accepts.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, Debug)]
pub(crate) struct WorkerConfig {
    pub application: Arc<str>,
    pub worker_id: Arc<str>,
    pub failover_time: Duration,
    pub renew_every: Option<Duration>,
    pub take_interval: Duration,
    pub poll_interval: Duration,
    pub max_records: usize,
    pub initial_position: StartingPosition,
    /// The registered consumer to subscribe as, when retrieving by fan-out.
    pub fan_out: Option<String>,
}

impl WorkerConfig {
    pub fn renew_interval(&self) -> Duration {
        self.renew_every.unwrap_or(self.failover_time / 3)
    }
}

/// Entry point of the consumer library.
///
/// ```
/// use localcloud::consumer::{Consumer, LeaseTable};
/// # use localcloud::consumer::{Checkpointer, ProcessRecordsInput, ShardRecordProcessor};
/// # struct P;
/// # impl ShardRecordProcessor for P {
/// #     fn process_records(&mut self, _: &ProcessRecordsInput, _: &mut Checkpointer) {}
/// #     fn shard_ended(&mut self, cp: &mut Checkpointer) { cp.checkpoint().unwrap() }
/// # }
/// # let cloud = localcloud::Cloud::builder().manual_clock().build();
/// # let s = cloud.create_stream("s", localcloud::StreamConfig::with_shards(1))?;
/// let w = Consumer::builder(&cloud, &s, "app").worker_id("w1").processor(|| P).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Consumer {
    _private: (),
}

impl Consumer {
    /// A builder for a worker of application `application` reading `source`: a
    /// [`Stream`](crate::stream::Stream), or a table's
    /// [`ChangeStream`](crate::table::ChangeStream) (see
    /// [`ConsumerSource`] for how a change stream looks to the worker).
    pub fn builder(cloud: &Cloud, source: &impl ConsumerSource, application: &str) -> ConsumerBuilder {
        ConsumerBuilder {
            cloud: cloud.clone(),
            source: Source(source.source()),
            leases: None,
            factory: None,
            cfg: WorkerConfig {
                application: application.into(),
                worker_id: "worker-1".into(),
                failover_time: DEFAULT_FAILOVER_TIME,
                renew_every: None,
                take_interval: DEFAULT_FAILOVER_TIME * 2,
                poll_interval: DEFAULT_POLL_INTERVAL,
                max_records: MAX_GET_RECORDS_LIMIT,
                initial_position: StartingPosition::Latest,
                fan_out: None,
            },
            take_interval_set: false,
        }
    }
}

/// Settings of one [`Worker`]. Defaults are the KCL's: failover 10 s, renew every
/// failover/3, take every 2 × failover, read every 1.5 s up to 10,000 records,
/// start new leases at `LATEST`, leases in memory.
pub struct ConsumerBuilder {
    cloud: Cloud,
    source: Source,
    leases: Option<LeaseTable>,
    factory: Option<ProcessorFactory>,
    cfg: WorkerConfig,
    take_interval_set: bool,
}

impl fmt::Debug for ConsumerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumerBuilder").field("source", &self.source.name()).field("config", &self.cfg).finish()
    }
}

impl ConsumerBuilder {
    /// The lease table shared with the application's other workers (default: a new
    /// in-memory table, so pass the same table to every worker).
    pub fn leases(mut self, table: LeaseTable) -> Self {
        self.leases = Some(table);
        self
    }

    /// The worker's id, unique within the application (default `worker-1`).
    pub fn worker_id(mut self, id: &str) -> Self {
        self.cfg.worker_id = id.into();
        self
    }

    /// How long a lease's counter must stand still, as this worker sees it, before
    /// the lease counts as expired (default 10 s). Also sets renewals to a third of
    /// it and takes to twice it, unless set on their own.
    pub fn failover_time(mut self, d: Duration) -> Self {
        self.cfg.failover_time = d;
        if !self.take_interval_set {
            self.cfg.take_interval = d.saturating_mul(2);
        }
        self
    }

    /// How often held leases are renewed (default failover/3).
    pub fn renew_interval(mut self, d: Duration) -> Self {
        self.cfg.renew_every = Some(d);
        self
    }

    /// How often the worker looks for leases to take (default 2 × failover).
    pub fn take_interval(mut self, d: Duration) -> Self {
        self.cfg.take_interval = d;
        self.take_interval_set = true;
        self
    }

    /// The pause between reads of a shard when running on the scheduler (default 1.5 s).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.cfg.poll_interval = d;
        self
    }

    /// Records per read, 1–10,000 (default 10,000; a table's change stream gives
    /// at most 1,000 per read).
    pub fn max_records(mut self, n: usize) -> Self {
        self.cfg.max_records = n;
        self
    }

    /// Where the application starts reading shards it has no leases for (default
    /// `LATEST`). At `LATEST` only the open shards get leases, each starting at its
    /// newest record; at `TRIM_HORIZON` (or `AT_TIMESTAMP`) every listed shard does,
    /// the oldest from that position. Children of shards the application reads always
    /// start at `TRIM_HORIZON`, after their parents end.
    pub fn initial_position(mut self, p: StartingPosition) -> Self {
        self.cfg.initial_position = p;
        self
    }

    /// Retrieves records by enhanced fan-out as the registered stream consumer
    /// `consumer_name` (registered at `build` if it is not yet), instead of polling
    /// with `get_records`.
    pub fn fan_out(mut self, consumer_name: &str) -> Self {
        self.cfg.fan_out = Some(consumer_name.to_owned());
        self
    }

    /// Makes a fresh processor for each shard lease the worker takes.
    pub fn processor<P, F>(mut self, factory: F) -> Self
    where
        P: ShardRecordProcessor + 'static,
        F: Fn() -> P + Send + Sync + 'static,
    {
        self.factory = Some(Arc::new(move || Box::new(factory()) as Box<dyn ShardRecordProcessor>));
        self
    }

    /// The worker. It registers its metrics (`CurrentLeases`, `MillisBehindLatest`,
    /// `RecordsProcessed`) under `KinesisClientLibrary`, resource
    /// `{application}/{worker_id}`.
    ///
    /// Errors: `ValidationException` for a missing processor, an empty id or
    /// application name, a zero duration, or `max_records` outside 1–10,000; the
    /// registration's errors with [`fan_out`](ConsumerBuilder::fan_out).
    pub fn build(self) -> Result<Worker, ConsumerError> {
        let bad = |m: &str| Err(ConsumerError::Validation(m.to_owned()));
        let c = &self.cfg;
        let Some(factory) = self.factory else { return bad("a processor factory is required") };
        if c.application.is_empty() || c.worker_id.is_empty() {
            return bad("application name and worker id must not be empty");
        }
        if [c.failover_time, c.renew_interval(), c.take_interval, c.poll_interval].contains(&Duration::ZERO) {
            return bad("failover, renew, take and poll intervals must be above zero");
        }
        let longest = [c.failover_time, c.renew_interval(), c.take_interval, c.poll_interval].into_iter().max();
        if longest.is_some_and(|d| d > MAX_INTERVAL) {
            return bad("failover, renew, take and poll intervals must be at most 24 hours");
        }
        if c.renew_interval() >= c.failover_time {
            return bad("the renew interval must be shorter than the failover time");
        }
        if c.max_records == 0 || c.max_records > MAX_GET_RECORDS_LIMIT {
            return bad("max_records must be between 1 and 10000");
        }
        match (&self.source, &c.fan_out) {
            (Source(ShardSource::Stream(stream)), Some(name)) => {
                match self.cloud.register_stream_consumer(stream, name) {
                    Ok(_) | Err(ConsumerError::ResourceInUse(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            (Source(ShardSource::Changes(_)), Some(_)) => {
                return bad("enhanced fan-out reads Kinesis streams only; a table's change stream is polled")
            }
            (Source(ShardSource::Changes(_)), None)
                if matches!(c.initial_position, StartingPosition::AtTimestamp(_)) =>
            {
                return bad("a table's change stream has no AT_TIMESTAMP position")
            }
            _ => {}
        }
        let table = self.leases.unwrap_or_default();
        let resource = format!("{}/{}", c.application, c.worker_id);
        let shared = Arc::new(WorkerShared::new(self.cfg, self.source, table, &self.cloud, factory));
        self.cloud.metrics().register(NAMESPACE, &resource, &shared);
        Ok(Worker { shared })
    }
}
