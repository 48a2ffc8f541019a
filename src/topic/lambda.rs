//! Function subscriptions (protocol `lambda`): each message is an asynchronous invoke
//! of the function with AWS's SNS event, made as `sns.amazonaws.com` from the topic's
//! ARN, so the function's resource policy must allow the topic (as on AWS).
//!
//! The function is named by its (possibly qualified) ARN and looked up at each
//! delivery, like a queue endpoint: one deleted and created again under the same name
//! receives the deliveries from then on. What the function service refuses for good
//! (no permission, no such function or qualifier, a payload too large) is a
//! client-side error, never retried; a throttled invoke is a server-side error,
//! retried per the delivery policy.

use crate::function::{sns_event, Function, FunctionError, FunctionRuntime, Invocation};

use super::subscription::Notification;

/// A subscription's function, found by ARN at each delivery.
#[derive(Clone)]
pub(crate) struct FunctionSlot {
    runtime: Option<FunctionRuntime>,
    /// The qualified ARN (with the handle's version or alias, if any).
    arn: String,
    name: String,
}

/// How one invoke ended, as the topic's retry logic sees it.
pub(crate) enum Invoked {
    Accepted,
    /// Throttled: the function service is busy; retry.
    Busy,
    /// Refused for good (permission, missing function, size): no retry.
    Refused,
}

impl FunctionSlot {
    pub(crate) fn of(f: &Function) -> Self {
        FunctionSlot { runtime: f.runtime(), arn: f.qualified_arn(), name: f.name().to_owned() }
    }

    /// The function's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// One asynchronous invoke with the SNS event of `n`.
    pub(crate) fn invoke(&self, n: &Notification) -> Invoked {
        let Some(runtime) = &self.runtime else { return Invoked::Refused };
        let inv = Invocation::event(sns_event(n)).principal("sns.amazonaws.com").source_arn(n.topic_arn());
        match runtime.invoke(&self.arn, inv) {
            Ok(_) => Invoked::Accepted,
            Err(FunctionError::TooManyRequests { .. }) => Invoked::Busy,
            Err(_) => Invoked::Refused,
        }
    }
}
