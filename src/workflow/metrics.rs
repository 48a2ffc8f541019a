//! Per-domain counters with SWF's CloudWatch names (namespace `AWS/SWF`, resource =
//! the domain's name; AWS splits them further by workflow or activity type).

use std::sync::atomic::{AtomicU64, Ordering};

use super::history::{EventType, HistoryEvent};
use crate::metrics::MetricSource;

/// The CloudWatch namespace of workflow metrics.
pub const NAMESPACE: &str = "AWS/SWF";

const NAMES: [&str; 16] = [
    "DecisionTasksCompleted",
    "StartedDecisionTasksTimedOutOnClose",
    "WorkflowsCompleted",
    "WorkflowsFailed",
    "WorkflowsCanceled",
    "WorkflowsTerminated",
    "WorkflowsTimedOut",
    "WorkflowsContinuedAsNew",
    "ActivityTasksCompleted",
    "ActivityTasksFailed",
    "ActivityTasksCanceled",
    "ScheduledActivityTasksTimedOutOnStart",
    "ScheduledActivityTasksTimedOutOnClose",
    "StartedActivityTasksTimedOutOnClose",
    "StartedActivityTasksTimedOutOnHeartbeat",
    "WorkflowsStarted",
];

#[derive(Default)]
pub(crate) struct DomainMetrics {
    counts: [AtomicU64; 16],
}

impl DomainMetrics {
    /// Counts an event that was just recorded.
    pub(crate) fn count(&self, e: &HistoryEvent) {
        use EventType::*;
        let i = match e.event_type() {
            DecisionTaskCompleted => 0,
            DecisionTaskTimedOut => 1,
            WorkflowExecutionCompleted => 2,
            WorkflowExecutionFailed => 3,
            WorkflowExecutionCanceled => 4,
            WorkflowExecutionTerminated => 5,
            WorkflowExecutionTimedOut => 6,
            WorkflowExecutionContinuedAsNew => 7,
            ActivityTaskCompleted => 8,
            ActivityTaskFailed => 9,
            ActivityTaskCanceled => 10,
            ActivityTaskTimedOut => match e.str_attribute("timeoutType") {
                Some("SCHEDULE_TO_START") => 11,
                Some("SCHEDULE_TO_CLOSE") => 12,
                Some("START_TO_CLOSE") => 13,
                _ => 14,
            },
            WorkflowExecutionStarted => 15,
            _ => return,
        };
        self.counts[i].fetch_add(1, Ordering::Relaxed);
    }
}

impl MetricSource for DomainMetrics {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        for (name, c) in NAMES.iter().zip(&self.counts) {
            out.push((name, c.load(Ordering::Relaxed) as f64));
        }
    }
}
