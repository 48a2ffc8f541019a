//! The journal: what happened, in clock order, for assertions and for debugging.
//!
//! Off unless the cloud is built with [`CloudBuilder::journal`](crate::CloudBuilder::journal).
//! Every service writes through one call (`Journal::record_with`), which costs a
//! branch on a flag when the journal is off. With the same seed, the same program
//! writes the same journal, byte for byte.
//!
//! ```
//! use localcloud::{Cloud, QueueConfig};
//! let cloud = Cloud::builder().manual_clock().seed(7).journal(true).build();
//! let q = cloud.create_queue("orders", QueueConfig::default())?;
//! q.send("hello")?;
//! assert!(cloud.journal().is_enabled());
//! assert!(cloud.journal().to_mermaid().starts_with("sequenceDiagram"));
//! # Ok::<(), localcloud::Error>(())
//! ```

use std::fmt;
use std::fmt::Write as _;

use parking_lot::Mutex;

use crate::clock::Timestamp;

/// One thing that happened: when, where, what, to which message or record, and how
/// it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    time: Timestamp,
    service: &'static str,
    resource: String,
    action: &'static str,
    subject: String,
    peer: Option<String>,
    detail: String,
}

impl JournalEntry {
    /// An entry for `action` on `resource` of `service` (`sqs`, `sns`, …) about
    /// `subject` (a message, record or invocation id; may be empty).
    pub(crate) fn new(
        time: Timestamp,
        service: &'static str,
        resource: impl Into<String>,
        action: &'static str,
        subject: impl Into<String>,
    ) -> Self {
        JournalEntry {
            time,
            service,
            resource: resource.into(),
            action,
            subject: subject.into(),
            peer: None,
            detail: String::new(),
        }
    }

    /// The other party of the action, as `service:resource` (a delivery's queue, a
    /// redrive's dead-letter queue, an invoked function).
    pub(crate) fn with_peer(mut self, service: &str, resource: &str) -> Self {
        self.peer = Some(format!("{service}:{resource}"));
        self
    }

    /// The outcome or any other detail.
    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// The clock time of the action.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// The service: `sqs`, `sns`, `kinesis`, `lambda`, …
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// The resource's name (queue, topic, stream, function, …).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// What happened: `send`, `receive`, `delete`, `deliver`, `redrive`, …
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The message, record or invocation it happened to (empty when none).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The other party as `service:resource`, when the action hands something over.
    pub fn peer(&self) -> Option<&str> {
        self.peer.as_deref()
    }

    /// The outcome or other detail (empty when none).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    fn participant(&self) -> String {
        format!("{}:{}", self.service, self.resource)
    }
}

impl fmt::Display for JournalEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}:{} {}", self.time, self.service, self.resource, self.action)?;
        if !self.subject.is_empty() {
            write!(f, " {}", self.subject)?;
        }
        if let Some(p) = &self.peer {
            write!(f, " -> {p}")?;
        }
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

/// The journal of a [`Cloud`](crate::Cloud): its entries in the order they were
/// written, which is clock order.
pub struct Journal {
    enabled: bool,
    entries: Mutex<Vec<JournalEntry>>,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal").field("enabled", &self.enabled).field("entries", &self.entries.lock().len()).finish()
    }
}

impl Journal {
    pub(crate) fn new(enabled: bool) -> Self {
        Journal { enabled, entries: Mutex::new(Vec::new()) }
    }

    /// Whether this journal records anything.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Records the entry `make` builds, only when the journal is on: when it is off
    /// the entry is never built.
    #[inline]
    pub(crate) fn record_with(&self, make: impl FnOnce() -> JournalEntry) {
        if self.enabled {
            self.push(make());
        }
    }

    #[cold]
    fn push(&self, e: JournalEntry) {
        self.entries.lock().push(e);
    }

    /// Every entry so far, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.entries.lock().clone()
    }

    /// The entries `keep` accepts, oldest first.
    pub fn entries_where(&self, mut keep: impl FnMut(&JournalEntry) -> bool) -> Vec<JournalEntry> {
        // The filter is the caller's code: it runs on a copy, with no lock held, so it
        // may use the cloud (and so write to this journal) without deadlocking.
        let mut all = self.entries();
        all.retain(|e| keep(e));
        all
    }

    /// The entries of one service (`sqs`, `sns`, `kinesis`, …).
    pub fn for_service(&self, service: &str) -> Vec<JournalEntry> {
        self.entries_where(|e| e.service == service)
    }

    /// The entries of one resource, by name.
    pub fn for_resource(&self, resource: &str) -> Vec<JournalEntry> {
        self.entries_where(|e| e.resource == resource)
    }

    /// The entries about one message, record or invocation id.
    pub fn for_subject(&self, subject: &str) -> Vec<JournalEntry> {
        self.entries_where(|e| e.subject == subject)
    }

    /// Forgets every entry so far.
    pub fn clear(&self) {
        self.entries.lock().clear();
    }

    /// A mermaid sequence diagram of the entries, in clock order: a caller's action is
    /// an arrow from `caller` to the resource, a hand-over an arrow from the resource
    /// to its peer. Times are seconds since the first entry.
    pub fn to_mermaid(&self) -> String {
        let entries = self.entries.lock();
        let mut names: Vec<String> = Vec::new();
        let id_of = |name: &str, names: &mut Vec<String>| -> usize {
            match names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    names.push(name.to_owned());
                    names.len() - 1
                }
            }
        };
        let mut arrows = String::new();
        let start = entries.first().map(|e| e.time);
        for e in entries.iter() {
            let from = match &e.peer {
                Some(_) => id_of(&e.participant(), &mut names),
                None => id_of("caller", &mut names),
            };
            let to = match &e.peer {
                Some(p) => id_of(p, &mut names),
                None => id_of(&e.participant(), &mut names),
            };
            let at = start.map_or(0.0, |s| (e.time - s).as_secs_f64());
            let mut text = format!("+{at:.3}s {}", e.action);
            if !e.subject.is_empty() {
                let _ = write!(text, " {}", e.subject);
            }
            if !e.detail.is_empty() {
                let _ = write!(text, " ({})", e.detail);
            }
            let _ = writeln!(arrows, "    P{from}->>P{to}: {}", mermaid_text(&text));
        }
        let mut out = String::from("sequenceDiagram\n");
        for (i, n) in names.iter().enumerate() {
            let _ = writeln!(out, "    participant P{i} as {}", mermaid_text(n));
        }
        out.push_str(&arrows);
        out
    }

    /// The entries as JSON, one object per line: `time` (ISO-8601), `service`,
    /// `resource`, `action`, `subject`, `peer` (or null) and `detail`.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for e in self.entries.lock().iter() {
            let line = serde_json::json!({
                "time": e.time.to_string(),
                "service": e.service,
                "resource": e.resource,
                "action": e.action,
                "subject": e.subject,
                "peer": e.peer,
                "detail": e.detail,
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        out
    }
}

/// Mermaid reads `;` and line breaks as statement ends and `#` as an entity start.
fn mermaid_text(s: &str) -> String {
    s.chars().map(|c| if matches!(c, ';' | '#' | '\n' | '\r') { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn sample() -> Journal {
        let j = Journal::new(true);
        let t = Timestamp::from_secs(100);
        j.record_with(|| JournalEntry::new(t, "sns", "invoices", "publish", "m-1"));
        j.record_with(|| JournalEntry::new(t, "sns", "invoices", "deliver", "m-1").with_peer("sqs", "orders"));
        j.record_with(|| {
            JournalEntry::new(t + Duration::from_millis(1500), "sqs", "orders", "receive", "m-1").with_detail("count 1")
        });
        j
    }

    #[test]
    fn off_journal_builds_nothing() {
        let j = Journal::new(false);
        j.record_with(|| unreachable!("an off journal never builds an entry"));
        assert!(j.entries().is_empty());
    }

    #[test]
    fn mermaid_draws_calls_from_the_caller_and_hand_overs_between_resources() {
        let m = sample().to_mermaid();
        let expected = "sequenceDiagram
    participant P0 as caller
    participant P1 as sns:invoices
    participant P2 as sqs:orders
    P0->>P1: +0.000s publish m-1
    P1->>P2: +0.000s deliver m-1
    P0->>P2: +1.500s receive m-1 (count 1)
";
        assert_eq!(m, expected);
    }

    #[test]
    fn filters_select_by_service_resource_and_subject() {
        let j = sample();
        assert_eq!(j.for_service("sqs").len(), 1);
        assert_eq!(j.for_resource("invoices").len(), 2);
        assert_eq!(j.for_subject("m-1").len(), 3);
        assert_eq!(j.entries_where(|e| e.peer() == Some("sqs:orders")).len(), 1);
    }

    #[test]
    fn json_lines_are_one_object_per_entry() {
        let text = sample().to_json_lines();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1]["peer"], "sqs:orders");
        assert_eq!(lines[2]["detail"], "count 1");
        assert_eq!(lines[0]["time"], "1970-01-01T00:01:40.000Z");
    }

    #[test]
    fn a_filter_may_write_to_the_journal_it_reads() {
        let j = sample();
        let seen = j.entries_where(|e| {
            j.record_with(|| JournalEntry::new(e.time, "test", "filter", "saw", e.subject.clone()));
            true
        });
        assert_eq!(seen.len(), 3);
        assert_eq!(j.for_service("test").len(), 3);
    }

    #[test]
    fn mermaid_text_cannot_break_the_diagram() {
        assert_eq!(mermaid_text("a;b#c\nd"), "a b c d");
    }
}
