//! History events: the record of an execution, one event per thing that happened,
//! named and shaped as SWF names and shapes them.

use std::fmt;

use serde_json::{Map, Value};

use crate::clock::Timestamp;

macro_rules! event_types {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// The type of a [`HistoryEvent`], with SWF's `eventType` names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventType {
            $($(#[$doc])* $name,)*
        }

        impl EventType {
            /// SWF's `eventType` string, such as `"ActivityTaskScheduled"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventType::$name => stringify!($name),)*
                }
            }

            /// Every event type, in declaration order.
            pub const ALL: &'static [EventType] = &[$(EventType::$name,)*];
        }
    };
}

event_types! {
    /// The execution started (always event 1).
    WorkflowExecutionStarted,
    /// Someone asked the execution to cancel.
    WorkflowExecutionCancelRequested,
    /// The decider completed the execution.
    WorkflowExecutionCompleted,
    /// A complete decision failed.
    CompleteWorkflowExecutionFailed,
    /// The decider failed the execution.
    WorkflowExecutionFailed,
    /// A fail decision failed.
    FailWorkflowExecutionFailed,
    /// The execution ran past its start-to-close timeout.
    WorkflowExecutionTimedOut,
    /// The decider canceled the execution.
    WorkflowExecutionCanceled,
    /// A cancel decision failed.
    CancelWorkflowExecutionFailed,
    /// The execution closed and a new run of it started.
    WorkflowExecutionContinuedAsNew,
    /// A continue-as-new decision failed.
    ContinueAsNewWorkflowExecutionFailed,
    /// The execution was terminated.
    WorkflowExecutionTerminated,
    /// A decision task was scheduled.
    DecisionTaskScheduled,
    /// A decider polled the decision task.
    DecisionTaskStarted,
    /// The decider answered.
    DecisionTaskCompleted,
    /// The decider did not answer in time.
    DecisionTaskTimedOut,
    /// An activity task was scheduled.
    ActivityTaskScheduled,
    /// A schedule-activity decision failed.
    ScheduleActivityTaskFailed,
    /// A worker polled the activity task.
    ActivityTaskStarted,
    /// The worker completed the activity task.
    ActivityTaskCompleted,
    /// The worker failed the activity task.
    ActivityTaskFailed,
    /// The activity task ran past one of its timeouts.
    ActivityTaskTimedOut,
    /// The activity task was canceled.
    ActivityTaskCanceled,
    /// The decider asked for the activity task to be canceled.
    ActivityTaskCancelRequested,
    /// A request-cancel-activity decision failed.
    RequestCancelActivityTaskFailed,
    /// A signal arrived.
    WorkflowExecutionSignaled,
    /// The decider recorded a marker.
    MarkerRecorded,
    /// A record-marker decision failed.
    RecordMarkerFailed,
    /// A timer started.
    TimerStarted,
    /// A start-timer decision failed.
    StartTimerFailed,
    /// A timer fired.
    TimerFired,
    /// A timer was canceled.
    TimerCanceled,
    /// A cancel-timer decision failed.
    CancelTimerFailed,
    /// A child execution is being started.
    StartChildWorkflowExecutionInitiated,
    /// A start-child decision failed.
    StartChildWorkflowExecutionFailed,
    /// A child execution started.
    ChildWorkflowExecutionStarted,
    /// A child execution completed.
    ChildWorkflowExecutionCompleted,
    /// A child execution failed.
    ChildWorkflowExecutionFailed,
    /// A child execution timed out.
    ChildWorkflowExecutionTimedOut,
    /// A child execution was canceled.
    ChildWorkflowExecutionCanceled,
    /// A child execution was terminated.
    ChildWorkflowExecutionTerminated,
    /// A signal to another execution is being sent.
    SignalExternalWorkflowExecutionInitiated,
    /// A signal-external decision failed.
    SignalExternalWorkflowExecutionFailed,
    /// The other execution received the signal.
    ExternalWorkflowExecutionSignaled,
    /// A cancel request to another execution is being sent.
    RequestCancelExternalWorkflowExecutionInitiated,
    /// A request-cancel-external decision failed.
    RequestCancelExternalWorkflowExecutionFailed,
    /// The other execution received the cancel request.
    ExternalWorkflowExecutionCancelRequested,
}

impl EventType {
    /// The JSON key of this type's attributes, such as
    /// `"activityTaskScheduledEventAttributes"`.
    pub fn attributes_key(self) -> String {
        let name = self.as_str();
        let mut key = String::with_capacity(name.len() + 15);
        let mut chars = name.chars();
        if let Some(first) = chars.next() {
            key.push(first.to_ascii_lowercase());
        }
        key.extend(chars);
        key.push_str("EventAttributes");
        key
    }

    /// Whether this event closes its execution.
    pub fn is_close(self) -> bool {
        matches!(
            self,
            EventType::WorkflowExecutionCompleted
                | EventType::WorkflowExecutionFailed
                | EventType::WorkflowExecutionTimedOut
                | EventType::WorkflowExecutionCanceled
                | EventType::WorkflowExecutionContinuedAsNew
                | EventType::WorkflowExecutionTerminated
        )
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One event of an execution's history. Ids start at 1 and grow by one; the
/// attributes are kept as SWF's JSON object (the same field names), so that a
/// history can be compared with one from AWS.
///
/// ```
/// # use localcloud::Cloud;
/// # use localcloud::workflow::{EventType, WorkflowType, WorkflowTypeConfig};
/// # use std::time::Duration;
/// # let cloud = Cloud::builder().manual_clock().build();
/// # let wf = cloud.workflows();
/// # wf.register_domain("billing", Duration::from_secs(86_400))?;
/// # wf.register_workflow_type("billing", WorkflowTypeConfig::new("approve", "1")
/// #     .default_task_list("deciders").default_execution_start_to_close_timeout(Duration::from_secs(3600))
/// #     .default_task_start_to_close_timeout(Duration::from_secs(60))
/// #     .default_child_policy(localcloud::workflow::ChildPolicy::Terminate))?;
/// let run = wf.start_workflow_execution("billing", "invoice-1", WorkflowType::new("approve", "1"), "{}")?;
/// let first = &wf.history("billing", &run)?[0];
/// assert_eq!(first.event_type(), EventType::WorkflowExecutionStarted);
/// assert_eq!(first.to_json()["workflowExecutionStartedEventAttributes"]["taskList"]["name"], "deciders");
/// # Ok::<(), localcloud::WorkflowError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEvent {
    pub(crate) event_id: i64,
    pub(crate) timestamp: Timestamp,
    pub(crate) event_type: EventType,
    pub(crate) attributes: Map<String, Value>,
}

impl HistoryEvent {
    /// The event id: 1 for the first event of the execution, then one more each.
    pub fn event_id(&self) -> i64 {
        self.event_id
    }

    /// When it happened, on the cloud's clock.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// What happened.
    pub fn event_type(&self) -> EventType {
        self.event_type
    }

    /// The attributes object, with SWF's field names (`activityId`, `scheduledEventId`, …).
    pub fn attributes(&self) -> &Map<String, Value> {
        &self.attributes
    }

    /// A string attribute such as `"signalName"` or `"result"`, if present.
    pub fn str_attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }

    /// An integer attribute such as `"scheduledEventId"`, if present.
    pub fn id_attribute(&self, name: &str) -> Option<i64> {
        self.attributes.get(name).and_then(Value::as_i64)
    }

    /// The event in SWF's JSON shape: `eventId`, `eventTimestamp` (epoch seconds),
    /// `eventType` and the `…EventAttributes` object.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("eventId".into(), Value::from(self.event_id));
        out.insert("eventTimestamp".into(), Value::from(self.timestamp.as_secs_f64()));
        out.insert("eventType".into(), Value::from(self.event_type.as_str()));
        out.insert(self.event_type.attributes_key(), Value::Object(self.attributes.clone()));
        Value::Object(out)
    }
}

/// Builds an attributes object, leaving out absent (null) values as SWF does.
pub(crate) fn attrs(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_keys_follow_swf_names() {
        assert_eq!(EventType::ActivityTaskScheduled.attributes_key(), "activityTaskScheduledEventAttributes");
        assert_eq!(
            EventType::StartChildWorkflowExecutionInitiated.attributes_key(),
            "startChildWorkflowExecutionInitiatedEventAttributes"
        );
    }

    #[test]
    fn absent_attributes_are_left_out() {
        let a = attrs(serde_json::json!({"a": 1, "b": null}));
        assert_eq!(a.len(), 1);
    }
}
