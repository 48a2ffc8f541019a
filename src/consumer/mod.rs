//! Checkpointed stream consumers, after the Kinesis Client Library: a lease per
//! shard in a shared table, workers that balance the leases among themselves, take
//! over a failed worker's shards after the failover time, checkpoint their progress
//! (fenced by the lease counter), and follow splits and merges parent before child.
//!
//! A worker reads through the stream's public API only. Drive it round by round
//! with [`Worker::run_once`] (tests), or let it run on the cloud's scheduler with
//! [`Worker::start`].
//!
//! The same worker reads a table's change stream ([`ChangeStream`](crate::table::ChangeStream)),
//! as the KCL reads DynamoDB Streams through AWS's adapter: pass the change stream
//! to [`Consumer::builder`] instead of a stream. [`ConsumerSource`] tells how a
//! change stream looks to the worker (shard ids, records, retention); a processor
//! finds the typed changes in [`ProcessRecordsInput::changes`].
//!
//! ```
//! use localcloud::consumer::{Checkpointer, Consumer, LeaseTable, ProcessRecordsInput, ShardRecordProcessor};
//! use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};
//! use std::sync::{Arc, Mutex};
//!
//! struct Printer(Arc<Mutex<Vec<String>>>);
//! impl ShardRecordProcessor for Printer {
//!     fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
//!         for r in batch.records() {
//!             self.0.lock().unwrap().push(String::from_utf8_lossy(r.data()).into_owned());
//!         }
//!         cp.checkpoint().expect("still holding the lease");
//!     }
//!     fn shard_ended(&mut self, cp: &mut Checkpointer) {
//!         cp.checkpoint().expect("SHARD_END lets the children start");
//!     }
//! }
//!
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//! let clicks = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
//! clicks.put_record(PutRecord::new("user-1", "home"))?;
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let leases = LeaseTable::in_memory();
//! let sink = Arc::clone(&seen);
//! let worker = Consumer::builder(&cloud, &clicks, "clicks-app")
//!     .leases(leases.clone())
//!     .worker_id("w1")
//!     .initial_position(StartingPosition::TrimHorizon)
//!     .processor(move || Printer(Arc::clone(&sink)))
//!     .build()?;
//! worker.run_once()?;                     // takes both leases, reads both shards
//! assert_eq!(*seen.lock().unwrap(), ["home"]);
//! assert!(leases.list()?.iter().all(|l| l.owner() == Some("w1")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Reading a table's changes:
//!
//! ```
//! use localcloud::consumer::{Checkpointer, Consumer, ProcessRecordsInput, ShardRecordProcessor};
//! use localcloud::table::{EventName, Key, StreamViewType, TableConfig};
//! use localcloud::{item, Cloud, StartingPosition};
//! use std::sync::{Arc, Mutex};
//!
//! struct Thumbnailer(Arc<Mutex<Vec<EventName>>>);
//! impl ShardRecordProcessor for Thumbnailer {
//!     fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
//!         self.0.lock().unwrap().extend(batch.changes().iter().map(|c| c.event_name()));
//!         cp.checkpoint().expect("still holding the lease");
//!     }
//!     fn shard_ended(&mut self, cp: &mut Checkpointer) {
//!         cp.checkpoint().expect("SHARD_END lets the next shard start");
//!     }
//! }
//!
//! let cloud = Cloud::builder().manual_clock().build();
//! let images = cloud.create_table("images", TableConfig::new(Key::string("id"))
//!     .stream(StreamViewType::NewAndOldImages))?;
//! images.put_item(item! {"id" => "cat.png", "size" => 120}, None)?;
//! images.delete_item(&item! {"id" => "cat.png"}, None)?;
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = Arc::clone(&seen);
//! let worker = Consumer::builder(&cloud, &images.stream()?, "thumbnails")
//!     .initial_position(StartingPosition::TrimHorizon)
//!     .processor(move || Thumbnailer(Arc::clone(&sink)))
//!     .build()?;
//! worker.run_once()?;
//! assert_eq!(*seen.lock().unwrap(), [EventName::Insert, EventName::Remove]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod error;
mod fanout;
mod file;
mod lease;
mod processor;
mod shard_consumer;
mod source;
mod status;
mod table;
mod table_store;
mod taker;
mod worker;

pub use config::{Consumer, ConsumerBuilder, DEFAULT_FAILOVER_TIME, DEFAULT_POLL_INTERVAL, MAX_INTERVAL};
pub use error::ConsumerError;
pub use fanout::{
    ShardSubscription, StreamConsumer, StreamConsumerStatus, SubscribeToShardEvent, FAN_OUT_BYTES_PER_SEC,
    MAX_CONSUMERS_PER_STREAM, SUBSCRIPTION_LIFETIME,
};
pub use lease::{ExtendedSequenceNumber, Lease};
pub use processor::{Checkpointer, ConsumerState, ProcessRecordsInput, ShardRecordProcessor, ShutdownReason};
pub use source::ConsumerSource;
pub use status::{ShardStatus, WorkerIssue, WorkerStatus};
pub use table::{LeaseStore, LeaseTable, LeaseUpdate};
pub use table_store::LEASE_KEY;
pub use worker::{RoundReport, Worker};

/// The metrics namespace of consumer workers.
pub const NAMESPACE: &str = "KinesisClientLibrary";
