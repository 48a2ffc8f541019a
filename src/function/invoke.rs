//! The request and the answer of an invoke: [`Invocation`], [`InvokeOutput`],
//! [`RequestId`].

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use super::config::VersionId;
use crate::codec::{splitmix as mix, uuid_v4, write_uuid};

/// A request id: a version 4 UUID derived from the cloud's seed and a counter, so the
/// same program with the same seed gets the same ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u128);

impl RequestId {
    pub(crate) fn derive(base: u64, n: u64) -> Self {
        let hi = mix(base ^ mix(n));
        let lo = mix(hi ^ n.rotate_left(17));
        RequestId(uuid_v4((u128::from(hi) << 64) | u128::from(lo)))
    }

    /// The id's 128 bits.
    pub fn as_u128(&self) -> u128 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uuid(self.0, f)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({self})")
    }
}

/// How an invoke runs: and waits, or not at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvocationType {
    /// Synchronous: runs now and returns the result (status 200).
    RequestResponse,
    /// Asynchronous: queued on the scheduler (status 202), retried, routed to
    /// destinations.
    Event,
    /// Checks that the function exists and the caller may invoke it (status 204);
    /// runs nothing.
    DryRun,
}

impl InvocationType {
    /// The type as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// An invoke request: its type, payload, who calls, and whether to return the log tail.
///
/// A request with no [`principal`](Invocation::principal) comes from the account
/// itself and is always allowed; one that names a principal (a service such as
/// `sns.amazonaws.com`, or another account) needs a matching statement in the
/// function's resource policy ([`Permission`](super::Permission)).
///
/// ```
/// use localcloud::function::Invocation;
/// let inv = Invocation::event(r#"{"id":1}"#)
///     .principal("sqs.amazonaws.com")
///     .source_arn("arn:aws:sqs:us-east-1:000000000000:orders");
/// # let _ = inv;
/// ```
#[derive(Clone, Debug)]
pub struct Invocation {
    pub(crate) kind: InvocationType,
    pub(crate) payload: Bytes,
    pub(crate) principal: Option<String>,
    pub(crate) source_arn: Option<String>,
    pub(crate) source_account: Option<String>,
    pub(crate) log_tail: bool,
}

impl Invocation {
    fn new(kind: InvocationType, payload: Bytes) -> Self {
        Invocation { kind, payload, principal: None, source_arn: None, source_account: None, log_tail: false }
    }

    /// A synchronous invoke of `payload`.
    pub fn request_response(payload: impl Into<Bytes>) -> Self {
        Self::new(InvocationType::RequestResponse, payload.into())
    }

    /// An asynchronous invoke of `payload`: queued, answered with 202.
    pub fn event(payload: impl Into<Bytes>) -> Self {
        Self::new(InvocationType::Event, payload.into())
    }

    /// A dry run: checks existence and permission, answers 204, runs nothing.
    pub fn dry_run() -> Self {
        Self::new(InvocationType::DryRun, Bytes::new())
    }

    /// The calling principal: a service (`sqs.amazonaws.com`, `sns.amazonaws.com`,
    /// `events.amazonaws.com`, …), an account id or an ARN.
    pub fn principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The ARN of the resource the call comes from (a queue, topic, rule, …).
    pub fn source_arn(mut self, arn: impl Into<String>) -> Self {
        self.source_arn = Some(arn.into());
        self
    }

    /// The account the source resource belongs to.
    pub fn source_account(mut self, account: impl Into<String>) -> Self {
        self.source_account = Some(account.into());
        self
    }

    /// Asks for the tail of the run's log in the output (`LogType: Tail`).
    pub fn with_log_tail(mut self) -> Self {
        self.log_tail = true;
        self
    }

    /// The invocation type.
    pub fn kind(&self) -> InvocationType {
        self.kind
    }
}

/// The answer to an invoke.
///
/// A handler error is still a success of the invoke: status 200 with
/// [`function_error`](InvokeOutput::function_error) set and the error in the payload.
#[derive(Clone, Debug)]
pub struct InvokeOutput {
    pub(crate) status: u16,
    pub(crate) request_id: RequestId,
    pub(crate) payload: Bytes,
    pub(crate) function_error: Option<&'static str>,
    pub(crate) version: Option<VersionId>,
    pub(crate) duration: Duration,
    pub(crate) init_duration: Option<Duration>,
    pub(crate) memory_mb: u32,
    pub(crate) log_tail: Option<String>,
}

impl InvokeOutput {
    /// 200 (RequestResponse), 202 (Event) or 204 (DryRun).
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The request id.
    pub fn request_id(&self) -> RequestId {
        self.request_id
    }

    /// What the handler returned, or the error payload `{"errorMessage","errorType"}`;
    /// empty for Event and DryRun.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The payload as text (lossy).
    pub fn payload_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.payload)
    }

    /// `Some("Unhandled")` (or `"Handled"`) when the run failed: a handler error, a
    /// panic, a timeout, an init error.
    pub fn function_error(&self) -> Option<&'static str> {
        self.function_error
    }

    /// The `errorType` of a failed run's payload (`"Panic"`, `"Sandbox.Timedout"`, the
    /// handler's own type, …).
    pub fn error_type(&self) -> Option<String> {
        self.function_error?;
        let v: serde_json::Value = serde_json::from_slice(&self.payload).ok()?;
        v.get("errorType")?.as_str().map(str::to_owned)
    }

    /// Whether the run was stopped at its timeout.
    pub fn timed_out(&self) -> bool {
        self.error_type().as_deref() == Some(super::run::TIMEOUT_ERROR_TYPE)
    }

    /// The version that ran (not for Event and DryRun, which run nothing yet).
    pub fn executed_version(&self) -> Option<VersionId> {
        self.version
    }

    /// How long the handler ran, on the cloud's clock plus virtual work.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The duration rounded up to the next millisecond.
    pub fn billed_duration(&self) -> Duration {
        billed(self.duration)
    }

    /// The cold start's init time, when this run started a new environment.
    pub fn init_duration(&self) -> Option<Duration> {
        self.init_duration
    }

    /// The function's memory, MB.
    pub fn memory_mb(&self) -> u32 {
        self.memory_mb
    }

    /// Memory × billed duration, in GB-seconds.
    pub fn gb_seconds(&self) -> f64 {
        gb_seconds(self.memory_mb, self.billed_duration())
    }

    /// The tail of the run's log (its lines and a `REPORT` line) when asked with
    /// [`Invocation::with_log_tail`].
    pub fn log_tail(&self) -> Option<&str> {
        self.log_tail.as_deref()
    }
}

/// `d` rounded up to whole milliseconds.
pub(crate) fn billed(d: Duration) -> Duration {
    // Whole milliseconds in u64 arithmetic (durations past 584 years saturate).
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_millis(nanos.div_ceil(1_000_000))
}

pub(crate) fn gb_seconds(memory_mb: u32, billed: Duration) -> f64 {
    f64::from(memory_mb) / 1024.0 * billed.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_the_millisecond() {
        assert_eq!(billed(Duration::ZERO), Duration::ZERO);
        assert_eq!(billed(Duration::from_nanos(1)), Duration::from_millis(1));
        assert_eq!(billed(Duration::from_micros(1500)), Duration::from_millis(2));
        assert_eq!(billed(Duration::from_millis(3)), Duration::from_millis(3));
    }

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = RequestId::derive(7, 1).to_string();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(RequestId::derive(7, 1), RequestId::derive(7, 2));
    }
}
