//! What a handler sees of its invocation: [`Context`] and, at a cold start,
//! [`InitContext`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::config::VersionId;
use super::invoke::RequestId;
use super::VersionData;
use crate::clock::Timestamp;

/// The invocation a handler runs for: ids, names, memory, the time left, and virtual
/// work.
///
/// Under a [`ManualClock`](crate::ManualClock) a handler spends virtual time with
/// [`work`](Context::work): a run whose time passes its timeout is a timeout, exactly
/// and every time. Under the system clock `work` really waits.
pub struct Context {
    pub(crate) request_id: RequestId,
    pub(crate) version: Arc<VersionData>,
    /// The qualified ARN the caller used; `None` for the unqualified one.
    pub(crate) invoked_arn: Option<Arc<str>>,
    pub(crate) started: Timestamp,
    /// Virtual time spent through `work` (manual clock), nanoseconds.
    pub(crate) spent: AtomicU64,
    pub(crate) cold_start: bool,
    pub(crate) environment_id: u64,
    pub(crate) logs: Mutex<String>,
}

impl Context {
    /// The request id (a UUID), as AWS returns it in `x-amz-request-id`.
    pub fn request_id(&self) -> RequestId {
        self.request_id
    }

    /// The function's name.
    pub fn function_name(&self) -> &str {
        &self.version.name
    }

    /// The version that runs: `$LATEST` or a number.
    pub fn function_version(&self) -> VersionId {
        self.version.id
    }

    /// The ARN the caller used (with its qualifier, if any).
    pub fn invoked_function_arn(&self) -> &str {
        self.invoked_arn.as_deref().unwrap_or(&self.version.arn)
    }

    /// The function's memory, MB.
    pub fn memory_limit_mb(&self) -> u32 {
        self.version.config.memory_mb
    }

    /// Whether this invoke runs on a fresh execution environment (a cold start).
    pub fn is_cold_start(&self) -> bool {
        self.cold_start
    }

    /// The execution environment's number within its function version.
    pub fn environment_id(&self) -> u64 {
        self.environment_id
    }

    /// An environment variable of the function's configuration.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.version.env.get(key).map(String::as_str)
    }

    /// Time spent so far: clock time since the run began plus virtual work.
    pub fn elapsed(&self) -> Duration {
        self.version.core.clock.now().saturating_duration_since(self.started)
            + Duration::from_nanos(self.spent.load(Ordering::Relaxed))
    }

    /// The time left before the timeout (zero once it has passed).
    pub fn remaining_time(&self) -> Duration {
        self.version.config.timeout.saturating_sub(self.elapsed())
    }

    /// Whether the run has used up its time.
    pub fn is_timed_out(&self) -> bool {
        self.elapsed() >= self.version.config.timeout
    }

    /// Spends `d` doing work: virtual time under a manual clock (the cloud's clock does
    /// not move; this run's duration grows), a real wait under the system clock.
    pub fn work(&self, d: Duration) {
        if self.version.core.manual {
            let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            let _ = self.spent.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| Some(s.saturating_add(nanos)));
        } else {
            std::thread::sleep(d);
        }
    }

    /// Writes a line to the invocation's log (returned in the log tail when asked).
    pub fn log(&self, line: impl AsRef<str>) {
        let mut logs = self.logs.lock();
        logs.push_str(line.as_ref());
        logs.push('\n');
    }

    pub(crate) fn take_logs(&self) -> String {
        std::mem::take(&mut *self.logs.lock())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.request_id)
            .field("function_name", &self.version.name)
            .field("version", &self.version.id)
            .field("remaining_time", &self.remaining_time())
            .field("cold_start", &self.cold_start)
            .finish()
    }
}

/// What the init code of a cold start sees.
#[derive(Debug)]
pub struct InitContext {
    pub(crate) function_name: Arc<str>,
    pub(crate) version: VersionId,
    pub(crate) memory_mb: u32,
    pub(crate) environment_id: u64,
    pub(crate) env: Arc<BTreeMap<String, String>>,
}

impl InitContext {
    /// The function's name.
    pub fn function_name(&self) -> &str {
        &self.function_name
    }

    /// The version the environment runs.
    pub fn function_version(&self) -> VersionId {
        self.version
    }

    /// The function's memory, MB.
    pub fn memory_limit_mb(&self) -> u32 {
        self.memory_mb
    }

    /// The new environment's number within its function version.
    pub fn environment_id(&self) -> u64 {
        self.environment_id
    }

    /// An environment variable of the function's configuration.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }
}
