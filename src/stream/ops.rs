//! Writing (`put_record`, `put_records`) and reading (`shard_iterator`,
//! `get_records`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::config::{
    ITERATOR_LIFETIME, MAX_GET_RECORDS_BYTES, MAX_GET_RECORDS_LIMIT, MAX_PARTITION_KEY_CHARS, MAX_PUT_RECORDS_ENTRIES,
    MAX_PUT_RECORDS_SIZE,
};
use super::hash::partition_hash;
use super::iterator::{GetRecordsOutput, ShardIterator};
use super::shard::{expiry_horizon, ShardCell};
use super::types::{
    ExplicitHashKey, PutRecord, PutRecordOutput, PutRecordsOutput, PutRecordsResultEntry, Record, SequenceNumber,
    StartingPosition,
};
use super::{Stream, StreamError, StreamState};
use crate::clock::Timestamp;
use crate::journal::JournalEntry;

/// Checks a record against the stream's limits; answers its hash key and size.
fn validate(record: &PutRecord, st: &StreamState, next_seq: u64) -> Result<(u128, usize), StreamError> {
    let key_chars = record.partition_key.chars().count();
    if key_chars == 0 || key_chars > MAX_PARTITION_KEY_CHARS {
        return Err(StreamError::invalid(format!(
            "partition key has {key_chars} characters; it must have 1 to {MAX_PARTITION_KEY_CHARS}"
        )));
    }
    let size = record.data.len() + record.partition_key.len();
    if size > st.max_record_size {
        return Err(StreamError::invalid(format!(
            "record is {size} bytes (data plus partition key); at most {} are allowed",
            st.max_record_size
        )));
    }
    if let Some(seq) = record.sequence_number_for_ordering {
        if seq >= SequenceNumber::new(next_seq, 0) {
            return Err(StreamError::invalid(format!("sequence number for ordering {seq} was never issued")));
        }
    }
    let hash = match &record.explicit_hash_key {
        None => partition_hash(&record.partition_key),
        Some(ExplicitHashKey::Value(k)) => *k,
        Some(ExplicitHashKey::Text(text)) => parse_hash_key(text)?,
    };
    Ok((hash, size))
}

/// AWS's syntax for an explicit hash key, `0|([1-9]\d{0,38})`: plain decimal with no
/// sign and no leading zeros, then below 2^128.
fn parse_hash_key(text: &str) -> Result<u128, StreamError> {
    let digits = !text.is_empty() && text.len() <= 39 && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return Err(StreamError::invalid(format!(
            "explicit hash key {text:?} must match 0|([1-9]\\d{{0,38}}): decimal digits without leading zeros"
        )));
    }
    text.parse::<u128>().map_err(|_| StreamError::invalid(format!("explicit hash key {text} must be below 2^128")))
}

impl Stream {
    /// Appends one record to the open shard whose hash key range holds the MD5 of its
    /// partition key (or its explicit hash key).
    ///
    /// Errors: `InvalidArgumentException` for a bad key, hash key or size,
    /// `ProvisionedThroughputExceededException` when limits are on and the shard is
    /// at its write limit, `ResourceNotFoundException` once deleted.
    pub fn put_record(&self, record: PutRecord) -> Result<PutRecordOutput, StreamError> {
        let now = self.shared.clock.now();
        self.scale_on_demand(now);
        let st = self.shared.state.read();
        st.check_live(&self.shared)?;
        let (hash, size) = validate(&record, &st, self.shared.next_seq.load(Ordering::Relaxed))?;
        let cell = st.route(hash)?;
        let out = self.append(&st, cell, record, size, now)?;
        drop(st);
        self.count_written(now, 1, size);
        Ok(out)
    }

    /// On an on-demand stream whose check is due, grows the open shards to what the
    /// peak written throughput needs (see [`StreamConfig::on_demand`](super::StreamConfig::on_demand)).
    fn scale_on_demand(&self, now: Timestamp) {
        let Some(throughput) = &self.shared.throughput else { return };
        let Some(target) = throughput.lock().due_target(now) else { return };
        let mut st = self.shared.state.write();
        if !st.deleted && st.open.len() < target {
            st.trim_all(now);
            super::reshard::grow_to(&self.shared, &mut st, target, now);
        }
    }

    /// Counts successful writes towards an on-demand stream's peak throughput.
    fn count_written(&self, now: Timestamp, records: u64, bytes: usize) {
        if let Some(throughput) = &self.shared.throughput {
            throughput.lock().record(now, records, bytes as u64);
        }
    }

    /// Appends up to 500 records (10 MiB in all) in order, answering per record in
    /// request order. A malformed entry rejects the whole call before anything is
    /// written; a throttled entry fails alone with `ProvisionedThroughputExceededException`.
    pub fn put_records(&self, records: impl IntoIterator<Item = PutRecord>) -> Result<PutRecordsOutput, StreamError> {
        let records: Vec<PutRecord> = records.into_iter().collect();
        if records.is_empty() || records.len() > MAX_PUT_RECORDS_ENTRIES {
            return Err(StreamError::invalid(format!(
                "put_records takes 1 to {MAX_PUT_RECORDS_ENTRIES} records; got {}",
                records.len()
            )));
        }
        let now = self.shared.clock.now();
        self.scale_on_demand(now);
        let st = self.shared.state.read();
        st.check_live(&self.shared)?;
        let next_seq = self.shared.next_seq.load(Ordering::Relaxed);
        let mut checked = Vec::with_capacity(records.len());
        let mut total = 0usize;
        for (i, record) in records.iter().enumerate() {
            let (hash, size) =
                validate(record, &st, next_seq).map_err(|e| StreamError::invalid(format!("record {i}: {e}")))?;
            total += size;
            checked.push((hash, size));
        }
        if total > MAX_PUT_RECORDS_SIZE {
            return Err(StreamError::invalid(format!(
                "put_records request is {total} bytes; at most {MAX_PUT_RECORDS_SIZE} are allowed"
            )));
        }
        let mut failed = 0;
        let mut written = 0;
        let mut out = Vec::with_capacity(records.len());
        for (record, (hash, size)) in records.into_iter().zip(checked) {
            let outcome = st.route(hash).and_then(|cell| self.append(&st, cell, record, size, now));
            if outcome.is_ok() {
                written += size;
            }
            let outcome = outcome.map_err(|e| {
                failed += 1;
                let code = match e {
                    StreamError::ProvisionedThroughputExceeded { .. } => e.code(),
                    _ => "InternalFailure",
                };
                (code, e.to_string())
            });
            out.push(PutRecordsResultEntry { outcome });
        }
        drop(st);
        self.count_written(now, (out.len() - failed) as u64, written);
        Ok(PutRecordsOutput { failed, records: out })
    }

    /// The write itself: limits, lazy trim, sequence number, append.
    fn append(
        &self,
        st: &StreamState,
        cell: &ShardCell,
        record: PutRecord,
        size: usize,
        now: Timestamp,
    ) -> Result<PutRecordOutput, StreamError> {
        let counters = &self.shared.counters;
        if st.enforce_limits {
            if let Err(e) = cell.limits.lock().admit_write(cell.id, size, now) {
                counters.write_exceeded.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        }
        let mut log = cell.log.write();
        log.trim(expiry_horizon(now, st.retention));
        let seq = self.shared.draw_seq(cell.id);
        // Arrival never goes backwards within a shard, so reads by time can bisect.
        let arrival = now.max(log.last_arrival);
        log.records.push_back(Record {
            data: record.data,
            partition_key: record.partition_key,
            sequence_number: seq,
            arrival,
        });
        log.last_seq = seq;
        log.last_arrival = arrival;
        drop(log);
        counters.incoming_records.fetch_add(1, Ordering::Relaxed);
        counters.incoming_bytes.fetch_add(size as u64, Ordering::Relaxed);
        self.note(now, "put", || seq.to_string(), || cell.id.to_string());
        Ok(PutRecordOutput { shard_id: cell.id, sequence_number: seq })
    }

    /// An iterator into `shard` at `position`, valid for 5 minutes. Works on closed
    /// shards until their records expire.
    ///
    /// Errors: `ResourceNotFoundException` for an unknown or expired shard,
    /// `InvalidArgumentException` for a sequence number that is not a record of this
    /// shard.
    pub fn shard_iterator(
        &self,
        shard: &super::ShardId,
        position: StartingPosition,
    ) -> Result<ShardIterator, StreamError> {
        let now = self.shared.clock.now();
        let st = self.shared.state.read();
        st.check_live(&self.shared)?;
        let cell = Arc::clone(st.cell(&self.shared, shard, now)?);
        let horizon = expiry_horizon(now, st.retention);
        drop(st);
        let log = cell.log.read();
        let after_tip = log.last_seq.0 + 1;
        let any_arrival = Timestamp::EPOCH;
        let at = match position {
            StartingPosition::TrimHorizon => (cell.starting.0, any_arrival),
            StartingPosition::Latest => (after_tip, any_arrival),
            StartingPosition::AtSequenceNumber(seq) => {
                log.check_known(&cell, seq)?;
                (seq.0, any_arrival)
            }
            StartingPosition::AfterSequenceNumber(seq) => {
                log.check_known(&cell, seq)?;
                (seq.0 + 1, any_arrival)
            }
            StartingPosition::AtTimestamp(t) => {
                let live = log.live_start(horizon);
                let i = log.records.partition_point(|r| r.arrival < t).max(live);
                // With no record at or after `t` yet, start after the tip and let
                // reads skip records that still arrive before `t`.
                log.records.get(i).map_or((after_tip, t), |r| (r.sequence_number.0, any_arrival))
            }
        };
        drop(log);
        Ok(ShardIterator::issue(self.shared.secret, self.shared.iterator_ids(), cell.id.0, at, now))
    }

    /// Reads up to `limit` records (1–10,000; `None` means 10,000; at most 10 MiB)
    /// from an iterator's position, in order, with a fresh iterator for the next call.
    /// At the end of a closed shard there is no next iterator and the child shards are
    /// listed. `limit` takes a plain number or an `Option`.
    ///
    /// Errors: `InvalidArgumentException` for a bad limit or a forged or foreign
    /// iterator, `ExpiredIteratorException` after 5 minutes,
    /// `ProvisionedThroughputExceededException` when limits are on and the shard is
    /// at its read limit.
    pub fn get_records(
        &self,
        iterator: &ShardIterator,
        limit: impl Into<Option<usize>>,
    ) -> Result<GetRecordsOutput, StreamError> {
        let limit = limit.into().unwrap_or(MAX_GET_RECORDS_LIMIT);
        if limit == 0 || limit > MAX_GET_RECORDS_LIMIT {
            return Err(StreamError::invalid(format!("limit {limit} must be between 1 and {MAX_GET_RECORDS_LIMIT}")));
        }
        let now = self.shared.clock.now();
        let st = self.shared.state.read();
        st.check_live(&self.shared)?;
        iterator.verify(self.shared.secret, self.shared.uid)?;
        let age = now - iterator.issued;
        if age >= ITERATOR_LIFETIME {
            return Err(StreamError::ExpiredIterator { age_ms: age.as_millis() as u64 });
        }
        let shard = super::ShardId(iterator.shard);
        let cell = Arc::clone(st.cell(&self.shared, &shard, now)?);
        let (horizon, enforce) = (expiry_horizon(now, st.retention), st.enforce_limits);
        drop(st);
        let counters = &self.shared.counters;
        if enforce {
            if let Err(e) = cell.limits.lock().admit_read(cell.id, now) {
                counters.read_exceeded.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        }
        let log = cell.log.read();
        let from = log.index_of(iterator.position, horizon);
        // Arrivals never go backwards within a shard, so the skip is one bisection.
        let from = match iterator.min_arrival {
            Timestamp::EPOCH => from,
            t => log.records.partition_point(|r| r.arrival < t).max(from),
        };
        let mut records = Vec::with_capacity(limit.min(log.records.len() - from));
        let mut bytes = 0;
        for r in log.records.range(from..).take(limit) {
            if !records.is_empty() && bytes + r.size() > MAX_GET_RECORDS_BYTES {
                break;
            }
            bytes += r.size();
            records.push(r.clone());
        }
        let caught_up = from + records.len() == log.records.len();
        let last = records.last().map(|r| (r.sequence_number.0, r.arrival));
        let millis_behind_latest = match (last, caught_up) {
            (Some((_, arrival)), false) => (log.last_arrival - arrival).as_millis() as u64,
            _ => 0,
        };
        let finished = caught_up && log.ending.is_some();
        let children = if finished { log.children.clone() } else { Vec::new() };
        let stale = from > 0 && log.live_start(horizon) > 0;
        drop(log);
        if stale {
            // Free expired records; closed shards get no puts to trim them otherwise.
            cell.log.write().trim(horizon);
        }
        if enforce {
            cell.limits.lock().charge_read(bytes);
        }
        counters.get_records_records.fetch_add(records.len() as u64, Ordering::Relaxed);
        let age_ms = last.map_or(0, |(_, arrival)| (now - arrival).as_millis() as u64);
        counters.iterator_age_ms.store(age_ms, Ordering::Relaxed);
        let next = (!finished).then(|| {
            // Once a record is returned, every later one arrived at or after it.
            let position =
                last.map_or((iterator.position, iterator.min_arrival), |(seq, _)| (seq + 1, Timestamp::EPOCH));
            ShardIterator::issue(self.shared.secret, self.shared.iterator_ids(), cell.id.0, position, now)
        });
        let child_shards = if children.is_empty() {
            Vec::new()
        } else {
            let st = self.shared.state.read();
            children.iter().filter_map(|c| st.shards.get(c.0 as usize)).map(|c| c.describe()).collect()
        };
        self.note(now, "get-records", || cell.id.to_string(), || format!("{} records", records.len()));
        Ok(GetRecordsOutput { records, next, millis_behind_latest, child_shards })
    }
}

impl Stream {
    /// Journals `action` on this stream (built only when the journal is on).
    pub(crate) fn note(
        &self,
        now: Timestamp,
        action: &'static str,
        subject: impl FnOnce() -> String,
        detail: impl FnOnce() -> String,
    ) {
        self.shared.journal.record_with(|| {
            JournalEntry::new(now, "kinesis", self.shared.name.as_str(), action, subject()).with_detail(detail())
        });
    }
}
