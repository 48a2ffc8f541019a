//! A state machine over invokes: random trees of nested invokes (each run may invoke
//! others before it ends ok, with an error, a panic or a timeout) and random changes
//! of reserved concurrency, against a plain model of the concurrency limits. Every
//! invoke ends exactly once — as a success, a function error, a throttle with the
//! right reason, or a timeout — and no limit is ever exceeded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use localcloud::{Cloud, Function, FunctionConfig, FunctionError, FunctionRuntime, HandlerError, InvokeOutput};
use proptest::prelude::*;
use serde_json::{json, Value};

const FUNCTIONS: usize = 3;

#[derive(Clone, Debug)]
enum End {
    Ok,
    Err,
    Panic,
    Timeout,
}

#[derive(Clone, Debug)]
struct Call {
    function: usize,
    children: Vec<Call>,
    end: End,
}

#[derive(Clone, Debug)]
enum Op {
    Invoke(Call),
    Reserve(usize, Option<u32>),
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![4 => Just(End::Ok), 1 => Just(End::Err), 1 => Just(End::Panic), 1 => Just(End::Timeout)]
}

fn call() -> impl Strategy<Value = Call> {
    let leaf = (0..FUNCTIONS, end()).prop_map(|(function, end)| Call { function, children: vec![], end });
    leaf.prop_recursive(4, 24, 3, |inner| {
        (0..FUNCTIONS, proptest::collection::vec(inner, 0..3), end()).prop_map(|(function, children, end)| Call {
            function,
            children,
            end,
        })
    })
}

fn op(max_reserve: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => call().prop_map(Op::Invoke),
        1 => (0..FUNCTIONS, proptest::option::of(0..=max_reserve)).prop_map(|(f, n)| Op::Reserve(f, n)),
    ]
}

fn program(c: &Call) -> Value {
    let end = match c.end {
        End::Ok => "ok",
        End::Err => "err",
        End::Panic => "panic",
        End::Timeout => "timeout",
    };
    json!({ "end": end, "children": c.children.iter().map(|k| json!([k.function, program(k)])).collect::<Vec<_>>() })
}

fn describe(f: usize, r: &Result<InvokeOutput, FunctionError>) -> String {
    match r {
        Ok(out) => match out.function_error() {
            None => format!("f{f} ok"),
            Some(e) => format!("f{f} {e} {}", out.error_type().unwrap_or_default()),
        },
        Err(e) => format!("f{f} {} {}", e.code(), e.reason().map(|r| r.as_str()).unwrap_or("")),
    }
}

struct World {
    _cloud: Cloud,
    rt: FunctionRuntime,
    fns: Arc<OnceLock<Vec<Function>>>,
    log: Arc<Mutex<Vec<String>>>,
    violated: Arc<AtomicBool>,
}

fn world(limit: u32) -> World {
    let cloud = Cloud::builder().manual_clock().seed(3).function_concurrency_limit(limit).build();
    let rt = cloud.functions();
    let fns: Arc<OnceLock<Vec<Function>>> = Arc::new(OnceLock::new());
    let log = Arc::new(Mutex::new(Vec::new()));
    let violated = Arc::new(AtomicBool::new(false));
    let mut made = Vec::new();
    for i in 0..FUNCTIONS {
        let (fns2, log2, rt2, bad) = (Arc::clone(&fns), Arc::clone(&log), rt.clone(), Arc::clone(&violated));
        let f = rt
            .create_function(&format!("f{i}"), FunctionConfig::default(), move |ctx, payload| {
                let all = fns2.get().expect("functions made");
                // Limits hold while this run is in flight.
                let total: u32 = all.iter().map(Function::concurrent_executions).sum();
                if total > rt2.account_concurrency_limit() {
                    bad.store(true, Ordering::SeqCst);
                }
                for f in all {
                    if let Some(r) = rt2.function_concurrency(f.name()).unwrap() {
                        if f.concurrent_executions() > r {
                            bad.store(true, Ordering::SeqCst);
                        }
                    }
                }
                let p: Value = serde_json::from_slice(&payload).unwrap();
                for child in p["children"].as_array().unwrap() {
                    let k = child[0].as_u64().unwrap() as usize;
                    let r = all[k].invoke(child[1].to_string());
                    log2.lock().unwrap().push(describe(k, &r));
                }
                match p["end"].as_str().unwrap() {
                    "ok" => Ok(Default::default()),
                    "err" => Err(HandlerError::new("Oops", "failed")),
                    "panic" => panic!("boom"),
                    _ => {
                        ctx.work(Duration::from_secs(4));
                        Ok(Default::default())
                    }
                }
            })
            .unwrap();
        made.push(f);
    }
    fns.set(made).ok();
    World { _cloud: cloud, rt, fns, log, violated }
}

/// The plain model of the limits.
struct Model {
    limit: u32,
    reserved: [Option<u32>; FUNCTIONS],
    active: [u32; FUNCTIONS],
    unreserved_active: u32,
}

impl Model {
    /// The log lines a call tree writes (children first, then the call itself).
    fn run(&mut self, c: &Call, log: &mut Vec<String>) {
        let f = c.function;
        let reserved_total: u32 = self.reserved.iter().flatten().sum();
        let throttle = match self.reserved[f] {
            Some(r) if self.active[f] >= r => Some("ReservedFunctionConcurrentInvocationLimitExceeded"),
            None if self.unreserved_active >= self.limit - reserved_total => Some("ConcurrentInvocationLimitExceeded"),
            _ => None,
        };
        if let Some(reason) = throttle {
            log.push(format!("f{f} TooManyRequestsException {reason}"));
            return;
        }
        let unreserved = self.reserved[f].is_none();
        self.active[f] += 1;
        self.unreserved_active += u32::from(unreserved);
        for k in &c.children {
            self.run(k, log);
        }
        self.active[f] -= 1;
        self.unreserved_active -= u32::from(unreserved);
        log.push(match c.end {
            End::Ok => format!("f{f} ok"),
            End::Err => format!("f{f} Unhandled Oops"),
            End::Panic => format!("f{f} Unhandled Panic"),
            End::Timeout => format!("f{f} Unhandled Sandbox.Timedout"),
        });
    }
}

fn check(limit: u32, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let w = world(limit);
    let mut model = Model { limit, reserved: [None; FUNCTIONS], active: [0; FUNCTIONS], unreserved_active: 0 };
    let mut calls = 0;
    for op in ops {
        match op {
            Op::Reserve(f, n) => {
                let name = format!("f{f}");
                let r = match n {
                    Some(n) => w.rt.put_function_concurrency(&name, n),
                    None => w.rt.delete_function_concurrency(&name),
                };
                let others: u32 = (0..FUNCTIONS).filter(|&i| i != f).filter_map(|i| model.reserved[i]).sum();
                let fits = n.is_none_or(|n| n <= limit.saturating_sub(100).saturating_sub(others));
                prop_assert_eq!(r.is_ok(), fits, "reserve {:?} on f{} with others {}", n, f, others);
                if fits {
                    model.reserved[f] = n;
                }
            }
            Op::Invoke(c) => {
                let mut expect = Vec::new();
                model.run(&c, &mut expect);
                calls += expect.len(); // one line per invoke made (a throttled call makes none of its children)
                w.log.lock().unwrap().clear();
                let fns = w.fns.get().unwrap();
                let r = fns[c.function].invoke(program(&c).to_string());
                let mut got = w.log.lock().unwrap().clone();
                got.push(describe(c.function, &r));
                prop_assert_eq!(got, expect);
            }
        }
        prop_assert!(!w.violated.load(Ordering::SeqCst), "a limit was exceeded");
        for f in w.fns.get().unwrap() {
            prop_assert_eq!(f.concurrent_executions(), 0, "every slot came back");
        }
    }
    let ends: f64 = (0..FUNCTIONS)
        .map(|i| {
            let m = |n: &str| w._cloud.metrics().value("AWS/Lambda", &format!("f{i}"), n).unwrap();
            m("Invocations") + m("Throttles")
        })
        .sum();
    prop_assert_eq!(ends as usize, calls, "every invoke ended exactly once");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_small_account_throttles_deep_chains_with_the_account_reason(ops in proptest::collection::vec(op(0), 1..12)) {
        check(3, ops)?;
    }

    #[test]
    fn reserved_functions_are_held_to_their_reservation(ops in proptest::collection::vec(op(3), 1..12)) {
        check(104, ops)?;
    }
}
