//! The queue operations: send, receive (with long polling and redrive), delete,
//! change visibility, purge, stats and reconfiguration.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::config::{MAX_DELAY, MAX_VISIBILITY_TIMEOUT};
use super::flavor::fifo::{check_fifo_id, Dedup};
use super::state::{Entry, Extra, MsgState, NewMessage, State, MAX_IN_FLIGHT};
use super::throttle::Action;
use super::types::{OutgoingMessage, QueueStats, ReceiptHandle, ReceiveOptions, ReceivedMessage, SendReceipt};
use super::{Queue, QueueConfig, QueueError};
use crate::clock::Timestamp;
use crate::journal::JournalEntry;
use crate::message::{first_invalid_body_char, is_plain_text, MessageId};

impl Queue {
    /// Sends a message with this body. See [`send_message`](Queue::send_message).
    pub fn send(&self, body: impl Into<Bytes>) -> Result<SendReceipt, QueueError> {
        self.send_message(OutgoingMessage::new(body))
    }

    /// Sends a message.
    ///
    /// Errors: `MissingParameter` (empty body; FIFO without a group id),
    /// `InvalidMessageContents` (characters SQS refuses), `InvalidParameterValue`
    /// (too large, bad delay, bad attributes, bad or missing FIFO ids),
    /// `QueueDoesNotExist`. On a FIFO queue a duplicate within five minutes succeeds,
    /// returns the original message id and enqueues nothing.
    pub fn send_message(&self, msg: OutgoingMessage) -> Result<SendReceipt, QueueError> {
        check_message(&msg, self.is_fifo())?;
        let now = self.now();
        let mut st = self.shared.state.lock();
        self.admit(&mut st, Action::Send, now)?;
        let prepared = self.prepare(&mut st, now, &msg)?;
        let duplicate = matches!(prepared, Prepared::Duplicate { .. });
        let receipt = self.enqueue(&mut st, now, msg, prepared);
        drop(st);
        self.shared.cond.notify_one();
        self.note(now, "send", &receipt.message_id, || if duplicate { "duplicate".into() } else { String::new() });
        Ok(receipt)
    }

    /// Validates a message against the queue's settings and works out its FIFO ids.
    pub(super) fn prepare(
        &self,
        st: &mut State,
        now: Timestamp,
        msg: &OutgoingMessage,
    ) -> Result<Prepared, QueueError> {
        if st.deleted {
            return Err(self.gone());
        }
        let size = msg.size();
        if size > st.config.max_message_size {
            return Err(QueueError::InvalidParameterValue(format!(
                "the message is {size} bytes (body plus attributes); this queue accepts at most {}",
                st.config.max_message_size
            )));
        }
        let delay = if self.is_fifo() { st.config.delay } else { msg.delay.unwrap_or(st.config.delay) };
        let (mut dedup_key, mut dedup_id) = (None, None);
        if let Some(fifo) = st.flavor.fifo() {
            match fifo.deduplicate(now, &st.config, msg)? {
                Dedup::Duplicate { original, seq } => return Ok(Prepared::Duplicate { original, seq }),
                Dedup::New { key, id } => (dedup_key, dedup_id) = (Some(key), Some(id)),
            }
        }
        Ok(Prepared::New { delay, dedup_key, dedup_id })
    }

    /// Puts a prepared message in the queue; returns its receipt.
    pub(super) fn enqueue(&self, st: &mut State, now: Timestamp, msg: OutgoingMessage, p: Prepared) -> SendReceipt {
        let body = msg.body.clone(); // the receipt keeps it for its lazy MD5
                                     // A duplicate's receipt still reports the MD5 of the attributes it was sent with.
        let attributes = (!msg.attributes.is_empty() && matches!(p, Prepared::Duplicate { .. })).then(|| {
            Arc::new(Extra {
                attributes: msg.attributes.clone(),
                group_id: None,
                dedup_id: None,
                sequence_number: None,
                dlq_source_arn: None,
            })
        });
        match self.enqueue_quiet(st, now, msg, p) {
            Enqueued::Duplicate { original, seq } => {
                SendReceipt { message_id: original, body, attributes, sequence_number: Some(seq) }
            }
            Enqueued::New { id, extra, seq } => {
                SendReceipt { message_id: id, body, attributes: extra, sequence_number: seq }
            }
        }
    }

    /// Puts a prepared message in the queue without making a receipt: the path of
    /// deliveries (topic fan-out), where nobody reads one.
    pub(super) fn enqueue_quiet(&self, st: &mut State, now: Timestamp, msg: OutgoingMessage, p: Prepared) -> Enqueued {
        st.tick(now);
        let (delay, dedup_key, dedup_id) = match p {
            Prepared::Duplicate { original, seq } => {
                st.counters.deduplicated += 1;
                return Enqueued::Duplicate { original, seq };
            }
            Prepared::New { delay, dedup_key, dedup_id } => (delay, dedup_key, dedup_id),
        };
        let id = MessageId::random(&mut st.rng);
        let sequence_number = st.flavor.fifo().map(|f| f.next_sequence_number());
        if let (Some(key), Some(fifo)) = (dedup_key, st.flavor.fifo()) {
            fifo.remember(now, key, id, sequence_number.unwrap_or_default());
        }
        let OutgoingMessage { body, attributes, group_id, .. } = msg;
        let extra = if attributes.is_empty() && group_id.is_none() && !self.is_fifo() {
            None
        } else {
            Some(Arc::new(Extra {
                attributes,
                group_id: group_id.map(|g| st.flavor.intern(&g).unwrap_or_else(|| Arc::from(g))),
                dedup_id,
                sequence_number,
                dlq_source_arn: None,
            }))
        };
        st.counters.sent += 1;
        st.counters.sent_bytes += body.len() as u64;
        st.insert(
            now,
            NewMessage {
                body,
                id,
                extra: extra.clone(),
                sent_at: now,
                delay,
                receive_count: 0,
                first_receive: Timestamp::EPOCH,
            },
        );
        Enqueued::New { id, extra, seq: sequence_number }
    }

    /// Receives one message if one is visible now, without waiting.
    pub fn try_receive(&self) -> Result<Option<ReceivedMessage>, QueueError> {
        Ok(self.receive(ReceiveOptions::new().wait(Duration::ZERO))?.pop())
    }

    /// Receives up to `opts.max_messages` messages, waiting up to `opts.wait` (or the
    /// queue's receive wait) for the first one. Returned messages are hidden for the
    /// visibility timeout; a message whose receive would exceed the redrive policy's
    /// maximum moves to the dead-letter queue instead.
    ///
    /// Under a [`ManualClock`](crate::ManualClock) a waiting receive (a non-zero
    /// [`ReceiveOptions::wait`], or the queue's
    /// [`receive_wait`](QueueConfig::receive_wait) when the options set none) blocks
    /// until another thread sends, changes a visibility, or advances the clock past its
    /// deadline. Called from the only thread that drives the clock it never returns:
    /// use [`try_receive`](Queue::try_receive) or `wait(Duration::ZERO)` there, or park
    /// the receive on a consumer thread, wait until
    /// [`waiting_receives`](Queue::waiting_receives) reports it, then advance the clock
    /// (the crate tutorial shows this).
    ///
    /// `opts.visibility_timeout` is whole seconds (`InvalidParameterValue` otherwise).
    pub fn receive(&self, opts: ReceiveOptions) -> Result<Vec<ReceivedMessage>, QueueError> {
        if !(1..=10).contains(&opts.max_messages) {
            return Err(QueueError::InvalidParameterValue(format!(
                "max messages must be 1 to 10, got {}",
                opts.max_messages
            )));
        }
        if opts.wait.is_some_and(|w| w > super::MAX_RECEIVE_WAIT) {
            return Err(QueueError::InvalidParameterValue(format!(
                "wait must be 0 to 20 s, got {:?}",
                opts.wait.unwrap_or_default()
            )));
        }
        if let Some(v) = opts.visibility_timeout {
            check_whole_seconds("visibility timeout", v, MAX_VISIBILITY_TIMEOUT)?;
        }
        if let Some(a) = &opts.attempt_id {
            check_fifo_id("receive request attempt id", a)?;
        }
        let manual = self.shared.clock.as_manual().is_some();
        let mut st = self.shared.state.lock();
        let start = self.now();
        self.admit(&mut st, Action::Receive, start)?;
        let deadline = start + opts.wait.unwrap_or(st.config.receive_wait);
        loop {
            if st.deleted {
                return Err(self.gone());
            }
            let now = self.now();
            st.tick(now);
            let vt = opts.visibility_timeout.unwrap_or(st.config.visibility_timeout);
            if let Some(prev) = opts.attempt_id.as_deref().and_then(|a| st.replay_attempt(now, a, vt)) {
                drop(st);
                if vt.is_zero() {
                    self.shared.cond.notify_all();
                }
                return Ok(prev);
            }
            let room = MAX_IN_FLIGHT.saturating_sub(st.counts().1);
            if room == 0 && !self.is_fifo() {
                return Err(QueueError::OverLimit(format!(
                    "{MAX_IN_FLIGHT} messages are in flight; delete some or let them expire"
                )));
            }
            // FIFO at the cap: nothing to take, so the receive waits like an empty one.
            // A queue named as its own dead-letter queue keeps its messages where they are.
            let redrive = st
                .config
                .redrive
                .clone()
                .filter(|r| r.dead_letter_queue.exists() && !r.dead_letter_queue.same_queue(self));
            let max_receives = redrive.as_ref().map(|r| r.max_receive_count);
            let taken = st.receive(now, (opts.max_messages as usize).min(room), vt, max_receives);
            st.counters.received += taken.messages.len() as u64;
            if let (Some(fifo), Some(a), false) = (st.flavor.fifo(), &opts.attempt_id, taken.messages.is_empty()) {
                fifo.remember_attempt(now, a.clone(), taken.messages.clone());
            }
            for m in &taken.messages {
                self.note(now, "receive", &m.message_id(), || format!("receive count {}", m.receive_count()));
            }
            if !taken.to_dlq.is_empty() {
                drop(st);
                if let Some(r) = &redrive {
                    for e in &taken.to_dlq {
                        self.shared.journal.record_with(|| {
                            JournalEntry::new(now, "sqs", self.name(), "redrive", e.id.to_string())
                                .with_peer("sqs", r.dead_letter_queue.name())
                                .with_detail(format!("after {} receives", e.receive_count))
                        });
                    }
                    r.dead_letter_queue.accept_moved(taken.to_dlq, Arrival::Redrive { source_arn: self.arn() });
                }
                if !taken.messages.is_empty() {
                    return Ok(taken.messages);
                }
                st = self.shared.state.lock();
                continue;
            }
            if !taken.messages.is_empty() {
                return Ok(taken.messages);
            }
            if now >= deadline {
                st.counters.empty_receives += 1;
                return Ok(Vec::new());
            }
            st.waiting_receives += 1;
            if manual {
                // Cloud::advance wakes waiters; the bounded wait also notices a
                // ManualClock moved directly.
                self.shared.cond.wait_for(&mut st, MANUAL_RECHECK);
            } else {
                let wake_at = st.next_visibility_event().map_or(deadline, |t| t.min(deadline));
                let nap = wake_at.saturating_duration_since(now).max(Duration::from_millis(1));
                self.shared.cond.wait_for(&mut st, nap);
            }
            st.waiting_receives -= 1;
        }
    }

    /// How many receives are blocked in a long poll on this queue right now.
    ///
    /// Tests on a [`ManualClock`](crate::ManualClock) use it to know that a consumer
    /// thread is parked before they move the clock past its deadline.
    pub fn waiting_receives(&self) -> usize {
        self.shared.state.lock().waiting_receives
    }

    /// Deletes the message a receipt handle came from. Deleting a message that is
    /// already gone succeeds.
    ///
    /// Errors: `ReceiptHandleIsInvalid` for a handle this queue never issued (or
    /// issued before a purge); on FIFO queues `InvalidParameterValue` ("The receipt
    /// handle has expired") for a handle whose visibility timeout has expired or that
    /// a later receive superseded.
    pub fn delete(&self, handle: &ReceiptHandle) -> Result<(), QueueError> {
        self.delete_counted(handle, true)
    }

    /// [`delete`](Queue::delete); `count_call` is false for the entries of a batch,
    /// which counted once against the throttling quota.
    pub(crate) fn delete_counted(&self, handle: &ReceiptHandle, count_call: bool) -> Result<(), QueueError> {
        let now = self.now();
        let mut st = self.shared.state.lock();
        if count_call {
            self.admit(&mut st, Action::Delete, now)?;
        }
        self.check_handle(&mut st, now, handle)?;
        let Some((r, e)) = st.lookup(handle) else { return Ok(()) };
        if self.is_fifo() && (e.receive_count != handle.count || e.state != MsgState::InFlight) {
            return Err(expired_handle());
        }
        let id = e.id;
        st.remove(r);
        st.counters.deleted += 1;
        drop(st);
        self.note(now, "delete", &id, String::new);
        if self.is_fifo() {
            // The group may be unlocked now.
            self.shared.cond.notify_all();
        }
        Ok(())
    }

    /// Hides a received message for `timeout` from now (0 makes it visible at once).
    ///
    /// `timeout` is whole seconds, 0 to 12 hours (`InvalidParameterValue`). On a handle
    /// whose visibility already expired (or that a later receive superseded) this
    /// succeeds and changes nothing on a standard queue, and rejects with
    /// `InvalidParameterValue` ("The receipt handle has expired") on a FIFO queue. The
    /// total since the receive may not pass 12 hours (`InvalidParameterValue`).
    pub fn change_visibility(&self, handle: &ReceiptHandle, timeout: Duration) -> Result<(), QueueError> {
        self.change_visibility_counted(handle, timeout, true)
    }

    /// [`change_visibility`](Queue::change_visibility); `count_call` as for
    /// [`delete_counted`](Queue::delete_counted).
    pub(crate) fn change_visibility_counted(
        &self,
        handle: &ReceiptHandle,
        timeout: Duration,
        count_call: bool,
    ) -> Result<(), QueueError> {
        check_whole_seconds("visibility timeout", timeout, MAX_VISIBILITY_TIMEOUT)?;
        let now = self.now();
        let mut st = self.shared.state.lock();
        if count_call {
            self.admit(&mut st, Action::ChangeVisibility, now)?;
        }
        self.check_handle(&mut st, now, handle)?;
        let Some((r, e)) = st.lookup(handle) else {
            return Err(QueueError::InvalidParameterValue(
                "the message does not exist or is not available for a visibility timeout change".into(),
            ));
        };
        if e.receive_count != handle.count || e.state != MsgState::InFlight {
            if self.is_fifo() {
                return Err(expired_handle());
            }
            return Ok(());
        }
        st.set_visibility(r, now, timeout).map_err(QueueError::InvalidParameterValue)?;
        drop(st);
        // Visible now, or sooner than a waiting receive planned for: let it look again.
        self.shared.cond.notify_all();
        Ok(())
    }

    pub(crate) fn check_handle(&self, st: &mut State, now: Timestamp, h: &ReceiptHandle) -> Result<(), QueueError> {
        if st.deleted {
            return Err(self.gone());
        }
        st.verify(h).map_err(|why| QueueError::ReceiptHandleIsInvalid(format!("{h}: {why}")))?;
        st.tick(now);
        Ok(())
    }

    /// Removes every message: visible, in flight and delayed. Old receipt handles stop
    /// working. Allowed once per 60 s (`PurgeQueueInProgress`).
    pub fn purge(&self) -> Result<(), QueueError> {
        let now = self.now();
        let mut st = self.shared.state.lock();
        if st.deleted {
            return Err(self.gone());
        }
        if st.last_purge.is_some_and(|t| now < t + Duration::from_secs(60)) {
            return Err(QueueError::PurgeQueueInProgress { name: self.name().to_owned() });
        }
        st.clear();
        st.last_purge = Some(now);
        Ok(())
    }

    /// Exact counts of visible, in-flight and delayed messages, and the timestamps.
    pub fn stats(&self) -> QueueStats {
        let now = self.now();
        let mut st = self.shared.state.lock();
        st.tick(now);
        let (visible, in_flight, delayed) = st.counts();
        QueueStats { visible, in_flight, delayed, created_at: st.created_at, modified_at: st.modified_at }
    }

    /// Changes the queue's settings (SetQueueAttributes). Changes apply to messages
    /// already queued: a shorter retention removes older messages at once, and on a
    /// FIFO queue a new delay re-times every message not yet received (the FIFO queue
    /// delay is retroactive; a standard queue's applies to later sends only).
    ///
    /// The queue kind is fixed at creation: making a standard queue FIFO rejects with
    /// `InvalidAttributeName`, a FIFO queue standard with `InvalidAttributeValue`. A
    /// FIFO queue's content-based deduplication, deduplication scope and throughput
    /// limit may change (a per-group throughput limit still needs the group scope).
    pub fn set_config(&self, config: QueueConfig) -> Result<(), QueueError> {
        if !self.exists() {
            return Err(self.gone());
        }
        match (self.is_fifo(), config.fifo) {
            (false, true) => {
                return Err(QueueError::InvalidAttributeName(
                    "FifoQueue cannot be set on an existing standard queue".into(),
                ))
            }
            (true, false) => {
                return Err(QueueError::InvalidAttributeValue("a FIFO queue cannot become a standard queue".into()))
            }
            _ => {}
        }
        config.validate(self.name(), self.arn())?;
        let now = self.now();
        let mut st = self.shared.state.lock();
        if st.deleted {
            return Err(self.gone());
        }
        st.tick(now);
        let retime = self.is_fifo() && st.config.delay != config.delay;
        if st.config.throughput_limit != config.throughput_limit && st.throttle.is_some() {
            st.throttle = Some(Box::new(super::throttle::Throttle::new(config.throughput_limit)));
        }
        st.config = config;
        st.settings_changed();
        st.modified_at = now;
        if retime {
            st.retime_delays(now);
        }
        st.tick(now);
        drop(st);
        // A shorter FIFO delay may have made messages visible.
        self.shared.cond.notify_all();
        Ok(())
    }

    /// Takes messages moved here from another queue (or put back here).
    pub(super) fn accept_moved(&self, entries: Vec<Entry>, how: Arrival<'_>) {
        let now = self.now();
        let mut st = self.shared.state.lock();
        if st.deleted {
            return;
        }
        st.tick(now);
        let source: Option<Arc<str>> = match how {
            Arrival::Redrive { source_arn } => Some(Arc::from(source_arn)),
            _ => None,
        };
        for e in entries {
            // A FIFO queue numbers every message it takes in, so sequence numbers keep
            // increasing in group order here too; a message put back keeps its own.
            let sequence_number = match (how, st.flavor.fifo()) {
                (Arrival::Redrive { .. } | Arrival::MoveBack, Some(fifo)) => Some(fifo.next_sequence_number()),
                _ => None,
            };
            let (id, extra, sent_at, receive_count, first_receive) = match how {
                Arrival::Restore => (e.id, e.extra, e.sent_at, e.receive_count, e.first_receive),
                Arrival::Redrive { .. } => {
                    let mut x = e.extra.as_deref().cloned().unwrap_or_default();
                    x.dlq_source_arn = source.clone();
                    x.sequence_number = sequence_number.or(x.sequence_number);
                    if self.is_fifo() {
                        // A FIFO dead-letter copy is deduplicated by the original's message id.
                        x.dedup_id = Some(Arc::from(e.id.to_string()));
                    }
                    // Standard DLQs keep the original enqueue time for retention; FIFO ones reset it.
                    let sent_at = if self.is_fifo() { now } else { e.sent_at };
                    (e.id, Some(Arc::new(x)), sent_at, e.receive_count, e.first_receive)
                }
                Arrival::MoveBack => {
                    let extra = e.extra.as_deref().cloned().and_then(|mut x| {
                        x.dlq_source_arn = None;
                        x.sequence_number = sequence_number.or(x.sequence_number);
                        let empty = x.attributes.is_empty() && x.group_id.is_none() && !self.is_fifo();
                        (!empty).then(|| Arc::new(x))
                    });
                    // Moved back by a task, a message is a new message: new id, new enqueue time.
                    (MessageId::random(&mut st.rng), extra, now, 0, Timestamp::EPOCH)
                }
            };
            st.insert(
                now,
                NewMessage { body: e.body, id, extra, sent_at, delay: Duration::ZERO, receive_count, first_receive },
            );
        }
        drop(st);
        self.shared.cond.notify_all();
    }

    pub(crate) fn gone(&self) -> QueueError {
        QueueError::QueueDoesNotExist { name: self.name().to_owned() }
    }

    pub(super) fn state(&self) -> parking_lot::MutexGuard<'_, State> {
        self.shared.state.lock()
    }
}

/// How moved messages arrive in a queue.
#[derive(Clone, Copy)]
pub(crate) enum Arrival<'a> {
    /// Into a dead-letter queue: keeps the receive count, records the source.
    Redrive { source_arn: &'a str },
    /// Out of a dead-letter queue by a move task: a new message (new id, enqueue
    /// time and receive count).
    MoveBack,
    /// Back where it was, unchanged (a move that could not be completed).
    Restore,
}

/// How often a receive waiting on a manual clock rechecks it, in case the clock was
/// moved without [`Cloud::advance`](crate::Cloud::advance) (which wakes it at once).
const MANUAL_RECHECK: Duration = Duration::from_millis(50);

/// What checking a message against a queue worked out, ready to enqueue it.
pub(crate) enum Prepared {
    New {
        delay: Duration,
        dedup_key: Option<Arc<str>>,
        dedup_id: Option<Arc<str>>,
    },
    /// A FIFO duplicate within the window: the original's id and sequence number.
    Duplicate {
        original: MessageId,
        seq: u128,
    },
}

/// What enqueueing did.
pub(crate) enum Enqueued {
    New { id: MessageId, extra: Option<Arc<Extra>>, seq: Option<u128> },
    Duplicate { original: MessageId, seq: u128 },
}

/// Checks what can be checked without the queue's lock.
pub(crate) fn check_message(msg: &OutgoingMessage, fifo: bool) -> Result<(), QueueError> {
    if msg.body.is_empty() {
        return Err(QueueError::MissingParameter("the message body must not be empty".into()));
    }
    if !is_plain_text(&msg.body) {
        let text = std::str::from_utf8(&msg.body)
            .map_err(|_| QueueError::InvalidMessageContents("the message body is not valid UTF-8".into()))?;
        if let Some(c) = first_invalid_body_char(text) {
            return Err(QueueError::InvalidMessageContents(format!(
                "the message body holds the character U+{:04X}, which SQS does not allow",
                c as u32
            )));
        }
    }
    msg.attributes.validate(10, false).map_err(QueueError::InvalidParameterValue)?;
    if let Some(d) = msg.delay {
        if fifo && !d.is_zero() {
            return Err(QueueError::InvalidParameterValue(
                "a per-message delay is not allowed on a FIFO queue; set the queue's delay instead".into(),
            ));
        }
        check_whole_seconds("delay", d, MAX_DELAY)?;
    }
    if let Some(g) = &msg.group_id {
        check_fifo_id("message group id", g)?;
    } else if fifo {
        return Err(QueueError::MissingParameter("a FIFO queue needs a message group id".into()));
    }
    if let Some(d) = &msg.deduplication_id {
        if !fifo {
            return Err(QueueError::InvalidParameterValue("a deduplication id is only valid on a FIFO queue".into()));
        }
        check_fifo_id("deduplication id", d)?;
    }
    Ok(())
}

/// A per-call duration (delay, visibility timeout): whole seconds up to `max`.
fn check_whole_seconds(what: &str, d: Duration, max: Duration) -> Result<(), QueueError> {
    if d > max || d.subsec_nanos() != 0 {
        return Err(QueueError::InvalidParameterValue(format!(
            "{what} must be whole seconds from 0 to {} s, got {d:?}",
            max.as_secs()
        )));
    }
    Ok(())
}

/// What deleting or changing the visibility of a FIFO message with a stale handle
/// answers: its visibility timeout expired, or a later receive superseded it.
fn expired_handle() -> QueueError {
    QueueError::InvalidParameterValue("The receipt handle has expired".into())
}

impl Queue {
    /// Journals `action` on a message of this queue (built only when the journal is on).
    pub(crate) fn note(&self, now: Timestamp, action: &'static str, id: &MessageId, detail: impl FnOnce() -> String) {
        self.shared
            .journal
            .record_with(|| JournalEntry::new(now, "sqs", self.name(), action, id.to_string()).with_detail(detail()));
    }
}
