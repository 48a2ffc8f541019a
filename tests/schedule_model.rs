//! A schedule's lifecycle as a state machine: random sequences of clock moves,
//! disables, enables and delete-and-recreate, checked against a plain model of when
//! it must fire.

use std::time::Duration;

use localcloud::schedule::Target;
use localcloud::{Cloud, QueueConfig, ScheduleExpression, Timestamp};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Advance(u64),
    Disable,
    Enable,
    Recreate,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..600).prop_map(Op::Advance),
        1 => Just(Op::Disable),
        1 => Just(Op::Enable),
        1 => Just(Op::Recreate),
    ]
}

/// The model: in whole seconds since the start, when the schedule must fire.
struct Model {
    now: u64,
    enabled: bool,
    next: u64,
    fired: Vec<u64>,
    next_after: fn(u64) -> u64,
}

impl Model {
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Advance(minutes) => {
                let end = self.now + minutes * 60;
                while self.enabled && self.next <= end {
                    self.fired.push(self.next);
                    self.next = (self.next_after)(self.next);
                }
                self.now = end;
            }
            Op::Disable => self.enabled = false,
            Op::Enable if !self.enabled => {
                self.enabled = true;
                self.next = (self.next_after)(self.now);
            }
            Op::Enable => {}
            Op::Recreate => {
                self.enabled = true;
                self.next = (self.next_after)(self.now);
            }
        }
    }
}

fn run(expression: &str, next_after: fn(u64) -> u64, ops: &[Op]) -> Result<(), TestCaseError> {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let start = cloud.now();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let create = || cloud.create_schedule("s", ScheduleExpression::parse(expression).unwrap(), Target::queue(&q));
    let mut schedule = create().unwrap();
    let mut model = Model { now: 0, enabled: true, next: next_after(0), fired: Vec::new(), next_after };
    for op in ops {
        match op {
            Op::Advance(m) => cloud.advance(Duration::from_secs(m * 60)),
            Op::Disable => schedule.disable().unwrap(),
            Op::Enable => schedule.enable().unwrap(),
            Op::Recreate => {
                cloud.delete_schedule("s").unwrap();
                schedule = create().unwrap();
            }
        }
        model.apply(op);
        let expected_next = model.enabled.then(|| start + Duration::from_secs(model.next));
        prop_assert_eq!(schedule.next_fire_time(), expected_next, "after {:?}", op);
    }
    let fired: Vec<u64> = cloud
        .journal()
        .entries_where(|e| e.service() == "scheduler" && e.action() == "invoke")
        .iter()
        .map(|e| (e.time() - start).as_secs())
        .collect();
    prop_assert_eq!(fired, model.fired);
    Ok(())
}

fn every_ten_minutes(t: u64) -> u64 {
    (t / 600 + 1) * 600
}

fn rate_seven_minutes(t: u64) -> u64 {
    t + 420
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn cron_schedule_fires_exactly_when_the_model_says(ops in proptest::collection::vec(op(), 1..30)) {
        run("cron(0/10 * * * ? *)", every_ten_minutes, &ops)?;
    }

    #[test]
    fn rate_schedule_fires_exactly_when_the_model_says(ops in proptest::collection::vec(op(), 1..30)) {
        run("rate(7 minutes)", rate_seven_minutes, &ops)?;
    }
}

#[test]
fn the_model_start_is_the_manual_clock_start() {
    assert_eq!(Cloud::builder().manual_clock().build().now(), Timestamp::from_secs(1_704_067_200));
}
