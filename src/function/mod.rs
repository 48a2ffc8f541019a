//! Functions (Lambda): handlers are Rust closures run in-process, invoked
//! synchronously or asynchronously, versioned, routed by aliases, throttled by
//! concurrency limits, cold-started, timed out, retried and routed to destinations the
//! way AWS Lambda treats them, on the cloud's clock.
//!
//! ```
//! use bytes::Bytes;
//! use localcloud::{Cloud, FunctionConfig, HandlerError};
//! use localcloud::function::Invocation;
//! use std::time::Duration;
//!
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//! let rt = cloud.functions();
//! let f = rt.create_function("echo", FunctionConfig::default().init_duration(Duration::from_millis(200)),
//!     |ctx, payload: Bytes| {
//!         ctx.work(Duration::from_millis(12));          // virtual time on a manual clock
//!         if payload.is_empty() { return Err(HandlerError::new("EmptyInput", "nothing to echo")); }
//!         Ok(payload)
//!     })?;
//! let out = f.invoke("hi")?;
//! assert_eq!((out.status_code(), out.payload().as_ref()), (200, &b"hi"[..]));
//! assert_eq!(out.duration(), Duration::from_millis(12));
//! assert_eq!(out.init_duration(), Some(Duration::from_millis(200)));  // a cold start
//! assert_eq!(f.invoke("again")?.init_duration(), None);               // a warm one
//!
//! let failed = f.invoke("")?;                                         // still a 200
//! assert_eq!(failed.function_error(), Some("Unhandled"));
//! assert_eq!(failed.error_type().as_deref(), Some("EmptyInput"));
//!
//! let queued = rt.invoke("echo", Invocation::event("later"))?;
//! assert_eq!(queued.status_code(), 202);
//! cloud.run_until_idle();                                             // runs it
//! assert_eq!(cloud.metrics().value("AWS/Lambda", "echo", "Invocations"), Some(4.0));
//! # Ok::<(), localcloud::Error>(())
//! ```
//!
//! Versions, aliases and concurrency:
//!
//! ```
//! # use localcloud::{Cloud, FunctionConfig};
//! use localcloud::function::AliasRouting;
//! # let cloud = Cloud::builder().manual_clock().seed(1).build();
//! # let rt = cloud.functions();
//! rt.create_function("greet", FunctionConfig::default(), |_, _| Ok("v1".into()))?;
//! rt.publish_version("greet")?;                                       // 1
//! rt.update_function_code("greet", |_, _| Ok("v2".into()))?;
//! rt.publish_version("greet")?;                                       // 2
//! rt.create_alias("greet", "live", "1", AliasRouting::weights([("2", 0.25)]))?;
//! let v2 = (0..400).filter(|_| rt.invoke("greet:live", localcloud::function::Invocation::request_response(""))
//!     .unwrap().payload().as_ref() == b"v2").count();
//! assert!((60..140).contains(&v2));                                   // about a quarter, seeded
//!
//! rt.put_function_concurrency("greet", 0)?;                           // throttles everything
//! let err = rt.function("greet")?.invoke("").unwrap_err();
//! assert_eq!(err.code(), "TooManyRequestsException");
//! assert_eq!(err.reason().unwrap().as_str(), "ReservedFunctionConcurrentInvocationLimitExceeded");
//! # Ok::<(), localcloud::Error>(())
//! ```
//!
//! Asynchronous invokes retry at +1 min and +2 min, then go to their on-failure
//! destination with AWS's record:
//!
//! ```
//! use localcloud::*;
//! use localcloud::function::{Destination, EventInvokeConfig, Invocation};
//! use std::time::Duration;
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//! let rt = cloud.functions();
//! let failures = cloud.create_queue("charge-failures", QueueConfig::default())?;
//! let f = rt.create_function("charge", FunctionConfig::default().timeout(Duration::from_secs(3)), |ctx, event| {
//!     ctx.work(Duration::from_millis(120));
//!     if event.is_empty() { Err(HandlerError::new("BadRequest", "no order")) } else { Ok("charged".into()) }
//! })?;
//! let out = f.invoke("order 1")?;
//! assert_eq!((out.status_code(), out.billed_duration()), (200, Duration::from_millis(120)));
//! assert_eq!(f.invoke("")?.function_error(), Some("Unhandled"));   // a handler error is still a 200
//! rt.put_function_event_invoke_config("charge",
//!     EventInvokeConfig::default().on_failure(Destination::queue(&failures)))?;
//! rt.invoke("charge", Invocation::event(""))?;                      // 202: queued
//! cloud.advance(Duration::from_secs(180));                           // runs, retries at +1 min and +2 min
//! let record = failures.try_receive()?.expect("the on-failure record");
//! assert!(record.body_str().contains(r#""condition":"RetriesExhausted""#));
//! # Ok::<(), Error>(())
//! ```

mod asynchronous;
mod concurrency;
mod config;
mod context;
mod destination;
mod error;
mod invoke;
mod metrics;
mod permission;
mod registry;
mod run;
mod sns;
pub(crate) use sns::sns_event;
mod versions;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use rand::rngs::SmallRng;

pub use asynchronous::EventInvokeConfig;
pub use config::{
    FunctionConfig, VersionId, DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_ENVIRONMENT_IDLE_LIFETIME, DEFAULT_TIMEOUT,
    MAX_ALIAS_CHARS, MAX_ASYNC_PAYLOAD, MAX_INIT_DURATION, MAX_MEMORY_MB, MAX_NAME_CHARS, MAX_SYNC_PAYLOAD,
    MAX_TIMEOUT, MIN_MEMORY_MB, MIN_TIMEOUT, MIN_UNRESERVED_CONCURRENCY,
};
pub use context::{Context, InitContext};
pub use destination::Destination;
pub use error::{FunctionError, HandlerError, ThrottleReason};
pub use invoke::{Invocation, InvocationType, InvokeOutput, RequestId};
pub use metrics::NAMESPACE;
pub use permission::Permission;
pub use registry::FunctionRuntime;
pub use versions::{AliasInfo, AliasRouting};

use crate::clock::{Clock, Timestamp};
use crate::cloud::WeakCloud;
use crate::journal::Journal;
use concurrency::{EnvironmentPool, Ledger, Slots};
use config::Qualifier;

/// A handler: the event's bytes in, the response's bytes out.
pub(crate) type HandlerFn = dyn Fn(&Context, Bytes) -> Result<Bytes, HandlerError> + Send + Sync;

/// What every function of a cloud shares: clock, journal, account concurrency, ids.
pub(crate) struct Core {
    pub(crate) cloud: WeakCloud,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) manual: bool,
    pub(crate) journal: Arc<Journal>,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) ledger: Ledger,
    id_base: u64,
    ids: AtomicU64,
}

impl Core {
    #[inline]
    pub(crate) fn next_request_id(&self) -> RequestId {
        RequestId::derive(self.id_base, self.ids.fetch_add(1, Ordering::Relaxed))
    }

    #[inline]
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// One version of a function: its code and configuration, frozen once published, and
/// its execution environments.
pub(crate) struct VersionData {
    pub(crate) id: VersionId,
    /// Which edit of `$LATEST` this is a copy of (publishing twice without an edit
    /// returns the same version).
    pub(crate) revision: u64,
    pub(crate) name: Arc<str>,
    pub(crate) arn: Arc<str>,
    pub(crate) handler: Arc<HandlerFn>,
    pub(crate) config: FunctionConfig,
    pub(crate) env: Arc<BTreeMap<String, String>>,
    pub(crate) envs: EnvironmentPool,
    pub(crate) core: Arc<Core>,
}

/// A function's state behind its handle.
pub(crate) struct FunctionShared {
    pub(crate) name: Arc<str>,
    pub(crate) arn: Arc<str>,
    pub(crate) core: Arc<Core>,
    pub(crate) deleted: AtomicBool,
    /// `$LATEST`, read on every unqualified invoke.
    pub(crate) latest: RwLock<Arc<VersionData>>,
    pub(crate) state: Mutex<FunctionState>,
    /// Whether the resource policy has a statement (callers naming a principal are
    /// checked against it; everyone else skips the lock).
    pub(crate) slots: Slots,
    pub(crate) counters: metrics::Counters,
    pub(crate) alias_rng: Mutex<SmallRng>,
}

pub(crate) struct FunctionState {
    pub(crate) revision: u64,
    pub(crate) published: Vec<Arc<VersionData>>,
    /// Former `$LATEST`s, kept for the runs they counted.
    pub(crate) retired: Vec<Arc<VersionData>>,
    pub(crate) aliases: BTreeMap<String, versions::Alias>,
    pub(crate) policy: Vec<Permission>,
    pub(crate) event_config: EventInvokeConfig,
}

/// A handle to a function, bound to a qualifier (none, a version or an alias). Cheap
/// to clone; `Send + Sync`.
///
/// ```
/// # use localcloud::{Cloud, FunctionConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let f = cloud.functions().create_function("up", FunctionConfig::default(),
///     |_, p| Ok(p.to_ascii_uppercase().into()))?;
/// assert_eq!(f.invoke("abc")?.payload().as_ref(), b"ABC");
/// assert_eq!(f.arn(), "arn:aws:lambda:us-east-1:000000000000:function:up");
/// # Ok::<(), localcloud::FunctionError>(())
/// ```
#[derive(Clone)]
pub struct Function {
    pub(crate) shared: Arc<FunctionShared>,
    pub(crate) qualifier: Qualifier,
}

impl Function {
    /// The function's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The function's unqualified ARN.
    pub fn arn(&self) -> &str {
        &self.shared.arn
    }

    /// The ARN with this handle's qualifier, if any.
    pub fn qualified_arn(&self) -> String {
        match &self.qualifier {
            Qualifier::Unqualified => self.shared.arn.to_string(),
            Qualifier::Version(v) => format!("{}:{v}", self.shared.arn),
            Qualifier::Alias(a) => format!("{}:{a}", self.shared.arn),
        }
    }

    /// Invokes synchronously (RequestResponse) as the account owner.
    ///
    /// Errors: `ResourceNotFoundException` (deleted, or the qualifier is gone),
    /// `RequestTooLargeException` (over 6 MB), `TooManyRequestsException` (throttled).
    #[inline]
    pub fn invoke(&self, payload: impl Into<Bytes>) -> Result<InvokeOutput, FunctionError> {
        self.shared.invoke(&self.qualifier, Invocation::request_response(payload))
    }

    /// Invokes with a full request: type, caller, log tail.
    pub fn invoke_with(&self, invocation: Invocation) -> Result<InvokeOutput, FunctionError> {
        self.shared.invoke(&self.qualifier, invocation)
    }

    /// The same function bound to `qualifier` (`"3"`, `"$LATEST"`, `"prod"`); checked
    /// at invoke time.
    pub fn qualified(&self, qualifier: &str) -> Result<Function, FunctionError> {
        let (_, q) = config::parse_target(&format!("{}:{qualifier}", self.shared.name))?;
        Ok(Function { shared: Arc::clone(&self.shared), qualifier: q })
    }

    /// Execution environments alive now (busy, and idle within their lifetime) for the
    /// version this handle's qualifier names (the primary version of an alias).
    pub fn environments(&self) -> usize {
        let now = self.shared.core.now();
        match self.shared.version_for_qualifier(&self.qualifier) {
            Ok(v) => v.envs.live(now, v.config.idle_lifetime),
            Err(_) => 0,
        }
    }

    /// The configuration of the version this handle's qualifier names (an alias'
    /// primary version).
    ///
    /// Errors: `ResourceNotFoundException` (deleted, or the qualifier is gone).
    pub fn configuration(&self) -> Result<FunctionConfig, FunctionError> {
        Ok(self.shared.version_for_qualifier(&self.qualifier)?.config.clone())
    }

    /// Runs of this function in flight now, over all versions.
    pub fn concurrent_executions(&self) -> u32 {
        self.shared.slots.in_flight()
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Function").field("arn", &self.shared.arn).field("qualifier", &self.qualifier).finish()
    }
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core").field("account", &self.account).field("ledger", &self.ledger).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Function>();
        check::<FunctionRuntime>();
        check::<Invocation>();
        check::<InvokeOutput>();
    }
}
