//! The invoke path: checks, resolution, concurrency, an execution environment, the
//! handler under its timeout, and the accounting afterwards.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;

use super::concurrency::{Checkout, RunRecord};
use super::config::{Qualifier, VersionId, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD};
use super::context::{Context, InitContext};
use super::error::{error_payload, FunctionError, HandlerError};
use super::invoke::{billed, InvocationType, InvokeOutput, RequestId};
use super::metrics::bump;
use super::{permission, FunctionShared, Invocation, VersionData};
use crate::journal::JournalEntry;

/// The `errorType` of a run stopped at its timeout.
pub(crate) const TIMEOUT_ERROR_TYPE: &str = "Sandbox.Timedout";

/// How one run ended.
pub(crate) struct Outcome {
    pub(crate) payload: Bytes,
    pub(crate) function_error: Option<&'static str>,
    pub(crate) duration: Duration,
    pub(crate) init_duration: Option<Duration>,
    pub(crate) logs: Option<String>,
}

impl FunctionShared {
    pub(crate) fn check_alive(&self) -> Result<(), FunctionError> {
        if self.deleted.load(std::sync::atomic::Ordering::Acquire) {
            return Err(FunctionError::not_found(format!("function not found: {}", self.arn)));
        }
        Ok(())
    }

    /// Every invoke comes here: sync, async and dry run.
    #[inline]
    pub(crate) fn invoke(
        self: &Arc<Self>,
        qualifier: &Qualifier,
        inv: Invocation,
    ) -> Result<InvokeOutput, FunctionError> {
        self.check_alive()?;
        let limit = if inv.kind == InvocationType::Event { MAX_ASYNC_PAYLOAD } else { MAX_SYNC_PAYLOAD };
        if inv.payload.len() > limit {
            return Err(FunctionError::RequestTooLarge { size: inv.payload.len(), limit });
        }
        if inv.principal.is_some() {
            let st = self.state.lock();
            permission::check(&st.policy, &self.core.account, &self.arn, &inv)?;
        }
        let version = self.resolve(qualifier)?;
        let invoked = invoked_arn(&self.arn, qualifier);
        match inv.kind {
            InvocationType::RequestResponse => self.invoke_sync(version, invoked, inv),
            InvocationType::Event => Ok(self.enqueue(version, invoked, inv.payload)),
            InvocationType::DryRun => {
                let request_id = self.core.next_request_id();
                self.core.journal.record_with(|| {
                    JournalEntry::new(self.core.now(), "lambda", &*self.name, "invoke", request_id.to_string())
                        .with_detail("DryRun 204")
                });
                Ok(InvokeOutput {
                    status: 204,
                    request_id,
                    payload: Bytes::new(),
                    function_error: None,
                    version: None,
                    duration: Duration::ZERO,
                    init_duration: None,
                    memory_mb: version.config.memory_mb,
                    log_tail: None,
                })
            }
        }
    }

    #[inline]
    fn invoke_sync(
        self: &Arc<Self>,
        version: Arc<VersionData>,
        invoked: Option<Arc<str>>,
        inv: Invocation,
    ) -> Result<InvokeOutput, FunctionError> {
        let request_id = self.core.next_request_id();
        let permit = match self.core.ledger.acquire(&self.slots) {
            Ok(p) => p,
            Err(reason) => {
                bump(&self.counters.throttles);
                self.core.journal.record_with(|| {
                    JournalEntry::new(self.core.now(), "lambda", &*self.name, "throttle", request_id.to_string())
                        .with_detail(reason.as_str())
                });
                return Err(FunctionError::TooManyRequests { reason });
            }
        };
        let memory_mb = version.config.memory_mb;
        let id = version.id;
        let out = self.execute(version, invoked, request_id, inv.payload, inv.log_tail);
        self.core.ledger.release(&self.slots, permit);
        self.core.journal.record_with(|| {
            JournalEntry::new(self.core.now(), "lambda", &*self.name, "invoke", request_id.to_string()).with_detail(
                match out.function_error {
                    Some(e) => format!("RequestResponse {id} 200 {e}"),
                    None => format!("RequestResponse {id} 200"),
                },
            )
        });
        Ok(InvokeOutput {
            status: 200,
            request_id,
            payload: out.payload,
            function_error: out.function_error,
            version: Some(id),
            duration: out.duration,
            init_duration: out.init_duration,
            memory_mb,
            log_tail: out.logs,
        })
    }

    /// Runs `version` once on an execution environment (the caller holds a
    /// concurrency slot) and counts it.
    pub(crate) fn execute(
        &self,
        version: Arc<VersionData>,
        invoked: Option<Arc<str>>,
        request_id: RequestId,
        payload: Bytes,
        want_logs: bool,
    ) -> Outcome {
        let core = &self.core;
        let lifetime = version.config.idle_lifetime;
        let env = version.envs.checkout(core.now(), lifetime);
        let mut init_duration = None;
        if env.cold {
            let (took, result) = self.init(&version, env);
            init_duration = Some(took);
            if let Err(e) = result {
                let rec = RunRecord {
                    duration: Duration::ZERO,
                    billed_ms: 0,
                    memory_mb: version.config.memory_mb,
                    failed: true,
                    timed_out: false,
                    init: init_duration,
                };
                version.envs.give_back(env, core.now(), false, Some(&rec));
                return Outcome {
                    payload: e.to_payload(),
                    function_error: Some("Unhandled"),
                    duration: Duration::ZERO,
                    init_duration,
                    logs: None,
                };
            }
        }
        let ctx = Context {
            request_id,
            version,
            invoked_arn: invoked,
            started: core.now(),
            spent: AtomicU64::new(0),
            cold_start: env.cold,
            environment_id: env.id,
            logs: Mutex::new(String::new()),
        };
        let (result, duration, logs, version) = if core.manual {
            let (r, d, logs) = run_here(&ctx, payload, want_logs);
            (r, d, logs, ctx.version)
        } else {
            let version = Arc::clone(&ctx.version);
            let (r, d, logs) = run_on_thread(ctx, payload);
            (r, d, Some(logs), version)
        };
        let timeout = version.config.timeout;
        let timed_out = matches!(result, Ran::TimedOut);
        let (keep, payload, function_error) = match result {
            Ran::Done(Ok(p)) if p.len() > MAX_SYNC_PAYLOAD => (
                true,
                error_payload(
                    &format!("response payload size ({} bytes) exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes)", p.len()),
                    "Function.ResponseSizeTooLarge",
                ),
                Some("Unhandled"),
            ),
            Ran::Done(Ok(p)) => (true, p, None),
            Ran::Done(Err(e)) => {
                let kind = if e.is_handled() { "Handled" } else { "Unhandled" };
                (true, e.to_payload(), Some(kind))
            }
            Ran::Panicked(msg) => (false, error_payload(&msg, "Panic"), Some("Unhandled")),
            Ran::TimedOut => {
                let msg = format!("RequestId: {request_id} Error: Task timed out after {}.00 seconds", timeout.as_secs());
                (false, error_payload(&msg, TIMEOUT_ERROR_TYPE), Some("Unhandled"))
            }
        };
        let rec = RunRecord {
            duration,
            billed_ms: billed(duration).as_millis() as u64,
            memory_mb: version.config.memory_mb,
            failed: function_error.is_some(),
            timed_out,
            init: init_duration,
        };
        version.envs.give_back(env, core.now(), keep, Some(&rec));
        let logs = if want_logs {
            Some(report(request_id, &version, logs.unwrap_or_default(), duration, init_duration))
        } else {
            None
        };
        Outcome { payload, function_error, duration, init_duration, logs }
    }

    /// A cold start: the init code, costing its virtual init duration.
    fn init(&self, version: &Arc<VersionData>, env: Checkout) -> (Duration, Result<(), HandlerError>) {
        let mut took = version.config.init_duration;
        let Some(init) = version.config.init.as_ref() else {
            return (took, Ok(()));
        };
        let ictx = InitContext {
            function_name: Arc::clone(&version.name),
            version: version.id,
            memory_mb: version.config.memory_mb,
            environment_id: env.id,
            env: Arc::clone(&version.env),
        };
        let t0 = self.core.now();
        let r = match catch_unwind(AssertUnwindSafe(|| init(&ictx))) {
            Ok(r) => r,
            Err(p) => Err(HandlerError::new("Runtime.InitError", panic_message(&*p))),
        };
        took = took.saturating_add(self.core.now().saturating_duration_since(t0));
        (took, r)
    }

    pub(crate) fn version_for_qualifier(&self, q: &Qualifier) -> Result<Arc<VersionData>, FunctionError> {
        match q {
            Qualifier::Alias(a) => {
                let st = self.state.lock();
                let alias = st.aliases.get(a).ok_or_else(|| self.qualifier_not_found(a))?;
                self.version_in(&st, alias.version)
            }
            q => self.resolve(q),
        }
    }
}

fn invoked_arn(arn: &str, q: &Qualifier) -> Option<Arc<str>> {
    match q {
        Qualifier::Unqualified => None,
        Qualifier::Version(v) => Some(format!("{arn}:{v}").into()),
        Qualifier::Alias(a) => Some(format!("{arn}:{a}").into()),
    }
}

enum Ran {
    Done(Result<Bytes, HandlerError>),
    Panicked(String),
    TimedOut,
}

/// Manual clock: on this thread; the time spent (clock and virtual) decides a timeout.
#[inline]
fn run_here(ctx: &Context, payload: Bytes, want_logs: bool) -> (Ran, Duration, Option<String>) {
    let handler = &ctx.version.handler;
    let r = catch_unwind(AssertUnwindSafe(|| handler(ctx, payload)));
    let elapsed = ctx.elapsed();
    let timeout = ctx.version.config.timeout;
    let logs = if want_logs { Some(ctx.take_logs()) } else { None };
    if elapsed > timeout {
        return (Ran::TimedOut, timeout, logs);
    }
    let ran = match r {
        Ok(r) => Ran::Done(r),
        Err(p) => Ran::Panicked(panic_message(&*p)),
    };
    (ran, elapsed, logs)
}

/// System clock: on a thread of its own, waited for until the deadline and not a
/// moment longer; a late result is dropped with the thread's channel.
fn run_on_thread(ctx: Context, payload: Bytes) -> (Ran, Duration, String) {
    let timeout = ctx.version.config.timeout;
    let clock = Arc::clone(&ctx.version.core.clock);
    let started = ctx.started;
    let (tx, rx) = crossbeam_channel::bounded(1);
    let spawned = std::thread::Builder::new().name("localcloud-function".into()).spawn(move || {
        let handler = Arc::clone(&ctx.version.handler);
        let r = catch_unwind(AssertUnwindSafe(|| handler(&ctx, payload)));
        let elapsed = ctx.elapsed();
        let _ = tx.send((r, elapsed, ctx.take_logs()));
    });
    if spawned.is_err() {
        return (Ran::Panicked("could not start a thread for the run".into()), Duration::ZERO, String::new());
    }
    loop {
        let left = timeout.saturating_sub(clock.now().saturating_duration_since(started));
        match rx.recv_timeout(left) {
            Ok((_, elapsed, logs)) if elapsed > timeout => return (Ran::TimedOut, timeout, logs),
            Ok((Ok(r), elapsed, logs)) => return (Ran::Done(r), elapsed, logs),
            Ok((Err(p), elapsed, logs)) => return (Ran::Panicked(panic_message(&*p)), elapsed, logs),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if clock.now().saturating_duration_since(started) >= timeout {
                    return (Ran::TimedOut, timeout, String::new());
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                return (Ran::Panicked("the run ended without a result".into()), Duration::ZERO, String::new())
            }
        }
    }
}

pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "the handler panicked".to_owned()
    }
}

/// The log tail: the run's lines between START and END, then the REPORT line; the
/// last 4 KB, as AWS returns.
fn report(id: RequestId, v: &VersionData, logs: String, d: Duration, init: Option<Duration>) -> String {
    let version: VersionId = v.id;
    let mut s = format!("START RequestId: {id} Version: {version}\n{logs}END RequestId: {id}\n");
    s.push_str(&format!(
        "REPORT RequestId: {id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
        d.as_secs_f64() * 1e3,
        billed(d).as_millis(),
        v.config.memory_mb,
        v.config.memory_mb.min(128),
    ));
    if let Some(i) = init {
        s.push_str(&format!("\tInit Duration: {:.2} ms", i.as_secs_f64() * 1e3));
    }
    s.push('\n');
    if s.len() > 4096 {
        let mut cut = s.len() - 4096;
        while !s.is_char_boundary(cut) {
            cut += 1;
        }
        s.drain(..cut);
    }
    s
}
