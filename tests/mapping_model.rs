//! Property test: a queue mapping's lifecycle (enable, disable, update, delete) under
//! random sends, handler failures and clock moves keeps its state as a model says,
//! processes nothing while disabled or deleted, and never loses a message.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::mapping::{EventSourceMapping, MappingState};
use localcloud::{Cloud, FunctionConfig, HandlerError, QueueConfig};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Send(u8),
    Advance(u8),
    Disable,
    Enable,
    Update(u8),
    Delete,
    FailNext(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..20).prop_map(Op::Send),
        4 => (1u8..40).prop_map(Op::Advance),
        1 => Just(Op::Disable),
        1 => Just(Op::Enable),
        1 => (1u8..=10).prop_map(Op::Update),
        1 => Just(Op::Delete),
        2 => any::<bool>().prop_map(Op::FailNext),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn queue_mapping_lifecycle_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        let cloud = Cloud::builder().manual_clock().seed(1).build();
        let q = cloud.create_queue("q", QueueConfig::default().visibility_timeout(Duration::from_secs(10))).unwrap();
        let done: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let fail = Arc::new(Mutex::new(false));
        let (d, f) = (Arc::clone(&done), Arc::clone(&fail));
        let rt = cloud.functions();
        rt.create_function("f", FunctionConfig::default(), move |_, event: Bytes| {
            if *f.lock().unwrap() {
                return Err(HandlerError::new("Boom", "told to fail"));
            }
            let e: serde_json::Value = serde_json::from_slice(&event).unwrap();
            for r in e["Records"].as_array().unwrap() {
                d.lock().unwrap().insert(r["body"].as_str().unwrap().to_owned());
            }
            Ok(Bytes::new())
        }).unwrap();
        let m = rt.create_event_source_mapping(EventSourceMapping::queue(&q, "f")).unwrap();
        let mut model = MappingState::Enabled;
        let mut sent = 0usize;
        for op in ops {
            let before = done.lock().unwrap().len();
            match op {
                Op::Send(n) => {
                    for _ in 0..n {
                        q.send(format!("m{sent}")).unwrap();
                        sent += 1;
                    }
                }
                Op::Advance(s) => cloud.advance(Duration::from_secs(u64::from(s))),
                Op::Disable => {
                    let r = m.disable();
                    prop_assert_eq!(r.is_ok(), model != MappingState::Deleted);
                    if r.is_ok() { model = MappingState::Disabled; }
                }
                Op::Enable => {
                    let r = m.enable();
                    prop_assert_eq!(r.is_ok(), model != MappingState::Deleted);
                    if r.is_ok() { model = MappingState::Enabled; }
                }
                Op::Update(b) => {
                    let keep_enabled = model == MappingState::Enabled;
                    let r = m.update(|c| c.batch_size(u32::from(b)).enabled(keep_enabled));
                    prop_assert_eq!(r.is_ok(), model != MappingState::Deleted);
                }
                Op::Delete => {
                    let r = rt.delete_event_source_mapping(&m);
                    prop_assert_eq!(r.is_ok(), model != MappingState::Deleted);
                    model = MappingState::Deleted;
                }
                Op::FailNext(on) => *fail.lock().unwrap() = on,
            }
            prop_assert_eq!(m.state(), model);
            if model != MappingState::Enabled {
                prop_assert_eq!(done.lock().unwrap().len(), before, "nothing processed while {:?}", model);
            }
            // Nothing lost: every message is either processed (and deleted) or still queued.
            prop_assert_eq!(done.lock().unwrap().len() + q.stats().total(), sent);
        }
    }
}
