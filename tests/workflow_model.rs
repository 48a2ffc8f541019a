//! Property test: random starts, decisions, activity work, signals, cancel requests,
//! terminations and clock moves keep every history well-formed: ids dense from 1,
//! time never going back, every started event after the event it starts, at most one
//! decision task open, and a closed execution's history never growing again.

use std::collections::BTreeMap;
use std::time::Duration;

use localcloud::workflow::*;
use localcloud::Cloud;
use proptest::prelude::*;

const D: &str = "model";

#[derive(Clone, Debug)]
enum Pick {
    Schedule(u8),
    CancelActivity(u8),
    StartTimer(u8, u8),
    CancelTimer(u8),
    Marker,
    Signal(u8),
    CancelExternal(u8),
    Child(u8),
    Complete,
    Fail,
    Cancel,
    ContinueAsNew,
}

#[derive(Clone, Debug)]
enum Op {
    Start(u8),
    Decide(Vec<Pick>),
    HoldDecision,
    AnswerHeld(usize, Vec<Pick>),
    TakeActivity,
    Heartbeat(usize),
    Finish(usize, u8),
    Signal(u8),
    RequestCancel(u8),
    Terminate(u8),
    Advance(u8),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        4 => (0u8..3).prop_map(Pick::Schedule),
        1 => (0u8..3).prop_map(Pick::CancelActivity),
        3 => (0u8..3, 1u8..120).prop_map(|(t, s)| Pick::StartTimer(t, s)),
        1 => (0u8..3).prop_map(Pick::CancelTimer),
        1 => Just(Pick::Marker),
        1 => (0u8..4).prop_map(Pick::Signal),
        1 => (0u8..4).prop_map(Pick::CancelExternal),
        1 => (0u8..4).prop_map(Pick::Child),
        1 => Just(Pick::Complete),
        1 => Just(Pick::Fail),
        1 => Just(Pick::Cancel),
        1 => Just(Pick::ContinueAsNew),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..3).prop_map(Op::Start),
        5 => prop::collection::vec(pick(), 0..4).prop_map(Op::Decide),
        1 => Just(Op::HoldDecision),
        1 => (any::<usize>(), prop::collection::vec(pick(), 0..3)).prop_map(|(i, p)| Op::AnswerHeld(i, p)),
        4 => Just(Op::TakeActivity),
        1 => any::<usize>().prop_map(Op::Heartbeat),
        3 => (any::<usize>(), 0u8..3).prop_map(|(i, k)| Op::Finish(i, k)),
        2 => (0u8..4).prop_map(Op::Signal),
        1 => (0u8..3).prop_map(Op::RequestCancel),
        1 => (0u8..3).prop_map(Op::Terminate),
        3 => any::<u8>().prop_map(Op::Advance),
    ]
}

fn ty() -> WorkflowType {
    WorkflowType::new("flow", "1")
}

fn decision(p: &Pick) -> Decision {
    let act = || ActivityType::new("act", "1");
    match p {
        Pick::Schedule(i) => Decision::schedule_activity(format!("a{i}"), act(), "in"),
        Pick::CancelActivity(i) => Decision::request_cancel_activity(format!("a{i}")),
        Pick::StartTimer(i, s) => Decision::start_timer(format!("t{i}"), Duration::from_secs(u64::from(*s))),
        Pick::CancelTimer(i) => Decision::cancel_timer(format!("t{i}")),
        Pick::Marker => Decision::record_marker("m", "d"),
        Pick::Signal(i) => Decision::signal_external(format!("w{i}"), "s", ""),
        Pick::CancelExternal(i) => Decision::request_cancel_external(format!("w{i}")),
        Pick::Child(i) => Decision::start_child(
            StartRequest::new(format!("child{i}"), ty()).execution_start_to_close_timeout(Duration::from_secs(400)),
        ),
        Pick::Complete => Decision::complete("r"),
        Pick::Fail => Decision::fail("r", "d"),
        Pick::Cancel => Decision::cancel("d"),
        Pick::ContinueAsNew => Decision::continue_as_new(ContinueAsNew::new()),
    }
}

fn setup() -> (Cloud, Workflows) {
    let cloud = Cloud::builder().manual_clock().seed(3).build();
    let wf = cloud.workflows();
    wf.register_domain(D, Duration::from_secs(90 * 86_400)).unwrap();
    wf.register_workflow_type(
        D,
        WorkflowTypeConfig::new("flow", "1")
            .default_task_list("d")
            .default_execution_start_to_close_timeout(Duration::from_secs(900))
            .default_task_start_to_close_timeout(Duration::from_secs(30))
            .default_child_policy(ChildPolicy::Terminate),
    )
    .unwrap();
    wf.register_activity_type(
        D,
        ActivityTypeConfig::new("act", "1")
            .default_task_list("w")
            .default_schedule_to_start_timeout(Duration::from_secs(60))
            .default_schedule_to_close_timeout(Duration::from_secs(200))
            .default_start_to_close_timeout(Duration::from_secs(100))
            .default_heartbeat_timeout(Duration::from_secs(40)),
    )
    .unwrap();
    (cloud, wf)
}

fn all_runs(wf: &Workflows) -> Vec<ExecutionInfo> {
    let mut v = wf.list_open_workflow_executions(D, &ExecutionFilter::new()).unwrap();
    v.extend(wf.list_closed_workflow_executions(D, &ExecutionFilter::new()).unwrap());
    v
}

fn check(history: &[HistoryEvent]) -> Result<(), TestCaseError> {
    use EventType::*;
    prop_assert!(history.len() <= MAX_HISTORY_EVENTS);
    prop_assert_eq!(history[0].event_type(), WorkflowExecutionStarted);
    let by_id = |id: Option<i64>| id.and_then(|i| usize::try_from(i - 1).ok()).and_then(|i| history.get(i));
    let mut open_decision: Option<(i64, bool)> = None;
    for (i, e) in history.iter().enumerate() {
        prop_assert_eq!(e.event_id(), i as i64 + 1, "ids dense from 1");
        if i > 0 {
            prop_assert!(history[i - 1].timestamp() <= e.timestamp(), "time never goes back");
        }
        if e.event_type().is_close() {
            prop_assert_eq!(i, history.len() - 1, "a close event is the last");
        }
        let refers = |field: &str, want: EventType| -> Result<(), TestCaseError> {
            let id = e.id_attribute(field);
            let target = by_id(id);
            prop_assert!(target.is_some(), "{} of {:?} names no earlier event", field, e);
            let target = target.unwrap();
            prop_assert!(target.event_id() < e.event_id());
            prop_assert_eq!(target.event_type(), want);
            Ok(())
        };
        match e.event_type() {
            DecisionTaskScheduled => {
                prop_assert!(open_decision.is_none(), "two decision tasks open");
                open_decision = Some((e.event_id(), false));
            }
            DecisionTaskStarted => {
                refers("scheduledEventId", DecisionTaskScheduled)?;
                let ok = matches!(open_decision, Some((s, false)) if Some(s) == e.id_attribute("scheduledEventId"));
                prop_assert!(ok, "started a decision task that is not the scheduled one");
                open_decision = open_decision.map(|(s, _)| (s, true));
            }
            DecisionTaskCompleted | DecisionTaskTimedOut => {
                refers("startedEventId", DecisionTaskStarted)?;
                prop_assert!(matches!(open_decision, Some((_, true))));
                open_decision = None;
            }
            ActivityTaskStarted => refers("scheduledEventId", ActivityTaskScheduled)?,
            ActivityTaskCompleted | ActivityTaskFailed | ActivityTaskTimedOut | ActivityTaskCanceled => {
                refers("scheduledEventId", ActivityTaskScheduled)?;
                if e.id_attribute("startedEventId").unwrap_or(0) > 0 {
                    refers("startedEventId", ActivityTaskStarted)?;
                }
            }
            TimerFired | TimerCanceled => refers("startedEventId", TimerStarted)?,
            ChildWorkflowExecutionStarted => refers("initiatedEventId", StartChildWorkflowExecutionInitiated)?,
            ChildWorkflowExecutionCompleted
            | ChildWorkflowExecutionFailed
            | ChildWorkflowExecutionCanceled
            | ChildWorkflowExecutionTimedOut
            | ChildWorkflowExecutionTerminated => refers("startedEventId", ChildWorkflowExecutionStarted)?,
            ExternalWorkflowExecutionSignaled | SignalExternalWorkflowExecutionFailed => {
                refers("initiatedEventId", SignalExternalWorkflowExecutionInitiated)?
            }
            _ => {}
        }
    }
    Ok(())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let (cloud, wf) = setup();
    let mut held: Vec<TaskToken> = Vec::new();
    let mut activities: Vec<TaskToken> = Vec::new();
    let mut closed_len: BTreeMap<WorkflowExecution, usize> = BTreeMap::new();
    let open_run = |wf: &Workflows, i: u8| {
        wf.list_open_workflow_executions(D, &ExecutionFilter::new().workflow_id(format!("w{i}")))
            .unwrap()
            .first()
            .map(|info| info.execution().clone())
    };
    for op in ops {
        match op {
            Op::Start(i) => {
                let _ = wf.start_workflow_execution(D, &format!("w{i}"), ty(), "");
            }
            Op::Decide(picks) => {
                if let Some(t) = wf.poll_for_decision_task(D, "d").unwrap() {
                    wf.respond_decision_task_completed(t.token(), picks.iter().map(decision).collect()).unwrap();
                }
            }
            Op::HoldDecision => {
                if let Some(t) = wf.poll_for_decision_task(D, "d").unwrap() {
                    held.push(t.token().clone());
                }
            }
            Op::AnswerHeld(i, picks) => {
                if !held.is_empty() {
                    let t = held.remove(i % held.len());
                    let r = wf.respond_decision_task_completed(&t, picks.iter().map(decision).collect());
                    if let Err(e) = r {
                        prop_assert_eq!(e.code(), "UnknownResourceFault");
                    }
                }
            }
            Op::TakeActivity => {
                if let Some(a) = wf.poll_for_activity_task(D, "w").unwrap() {
                    activities.push(a.token().clone());
                }
            }
            Op::Heartbeat(i) => {
                if !activities.is_empty() {
                    let t = &activities[i % activities.len()];
                    if let Err(e) = wf.record_activity_task_heartbeat(t, None) {
                        prop_assert_eq!(e.code(), "UnknownResourceFault");
                    }
                }
            }
            Op::Finish(i, kind) => {
                if !activities.is_empty() {
                    let t = activities.remove(i % activities.len());
                    let r = match kind {
                        0 => wf.respond_activity_task_completed(&t, "ok"),
                        1 => wf.respond_activity_task_failed(&t, "r", "d"),
                        _ => wf.respond_activity_task_canceled(&t, "d"),
                    };
                    if let Err(e) = r {
                        prop_assert_eq!(e.code(), "UnknownResourceFault");
                    }
                }
            }
            Op::Signal(i) => {
                let was_open = open_run(&wf, i).is_some();
                let r = wf.signal_workflow_execution(D, &format!("w{i}"), "s", "");
                prop_assert_eq!(r.is_ok(), was_open, "a signal lands exactly when the run is open");
            }
            Op::RequestCancel(i) => {
                if let Some(run) = open_run(&wf, i) {
                    wf.request_cancel_workflow_execution(D, &run).unwrap();
                }
            }
            Op::Terminate(i) => {
                if let Some(run) = open_run(&wf, i) {
                    wf.terminate_workflow_execution(D, &run, None, None, None).unwrap();
                }
            }
            Op::Advance(s) => cloud.advance(Duration::from_secs(u64::from(s))),
        }
        for info in all_runs(&wf) {
            let run = info.execution().clone();
            let history = wf.history(D, &run).unwrap();
            check(&history)?;
            let closes = history.iter().filter(|e| e.event_type().is_close()).count();
            prop_assert_eq!(closes == 1, info.close_status().is_some());
            if info.close_status().is_some() {
                let before = *closed_len.entry(run.clone()).or_insert(history.len());
                prop_assert_eq!(before, history.len(), "a closed execution's history grew");
                prop_assert!(wf.signal_run(D, &run, "late", "").is_err());
            }
            let counts = wf.describe_workflow_execution(D, &run).unwrap().open_counts();
            prop_assert!(counts.open_decision_tasks <= 1);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_work_keeps_every_history_well_formed(ops in prop::collection::vec(op(), 1..80)) {
        run(ops)?;
    }
}
