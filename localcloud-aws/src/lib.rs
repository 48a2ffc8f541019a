//! # localcloud-aws
//!
//! The official AWS SDK for Rust, answered in-process by a [`localcloud::Cloud`]:
//! code written with `aws_sdk_sqs::Client`, `aws_sdk_sns::Client`,
//! `aws_sdk_kinesis::Client` and `aws_sdk_lambda::Client` runs unchanged in tests, on
//! the cloud's virtual clock, with no sockets, no Docker and no JVM.
//!
//! [`sdk_config`] returns an [`SdkConfig`] whose HTTP client ([`CloudHttpClient`])
//! dispatches each request to the cloud, speaking each service's wire protocol as AWS
//! does: SQS on AWS JSON 1.0 with the query-compatible error header (so an error's
//! `code()` is AWS's), Kinesis on AWS JSON 1.1, SNS on the query protocol with XML
//! answers, Lambda on REST-JSON (errors named by `x-amzn-errortype`). Function code
//! cannot travel over the wire: functions are created in Rust with
//! `cloud.functions().create_function`, then invoked, configured, versioned, aliased,
//! throttled, permitted and mapped through the SDK (`CreateFunction` answers
//! `InvalidParameterValueException`). It carries test credentials, the cloud's region, and the SDK's time source
//! and async sleep on the cloud's clock.
//!
//! ```ignore
//! let cloud = localcloud::Cloud::builder().manual_clock().build();
//! let sqs = aws_sdk_sqs::Client::new(&localcloud_aws::sdk_config(&cloud));
//! let url = sqs.create_queue().queue_name("orders").send().await?.queue_url.unwrap();
//! sqs.send_message().queue_url(&url).message_body("hello").send().await?;
//! ```
//!
//! ## Time and retries
//!
//! Request signing reads [`CloudTimeSource`]; an SDK sleep ([`CloudSleep`]) completes
//! when the cloud's clock reaches its deadline. On a
//! [`ManualClock`](localcloud::ManualClock) nothing moves time but the test, so
//! [`sdk_config`] disables the SDK's retries there: an error reaches the caller at
//! once instead of waiting for a clock nobody advances. On the system clock the SDK's
//! standard retries stay on. [`sdk_config_builder`] lets you choose otherwise.
//!
//! A `ReceiveMessage` with `WaitTimeSeconds` on a manual clock answers at once with
//! what is visible (a long poll would wait for the test's own thread to move time);
//! on the system clock it long-polls as SQS does, on a helper thread, so the caller's
//! executor keeps running other tasks (a sender, say) while the receive waits.

mod blocking;
mod client;
mod kinesis;
mod lambda;
mod protocol;
mod sns;
mod sqs;
mod time;

pub use client::CloudHttpClient;
pub use time::{CloudSleep, CloudTimeSource};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_types::region::Region;
use aws_types::sdk_config::Builder;
pub use aws_types::SdkConfig;
use localcloud::Cloud;

/// The access key id of the test credentials.
pub const TEST_ACCESS_KEY_ID: &str = "test";
/// The secret access key of the test credentials.
pub const TEST_SECRET_ACCESS_KEY: &str = "test";

/// An SDK config answered by `cloud`: pass it to any supported client's `new`.
///
/// ```ignore
/// let sns = aws_sdk_sns::Client::new(&localcloud_aws::sdk_config(&cloud));
/// ```
pub fn sdk_config(cloud: &Cloud) -> SdkConfig {
    sdk_config_builder(cloud).build()
}

/// The builder behind [`sdk_config`], to change a setting before building (for
/// example `.retry_config(RetryConfig::standard())` to have SDK retries on a manual
/// clock, which then wait for the test to advance the clock).
pub fn sdk_config_builder(cloud: &Cloud) -> Builder {
    let retry = if cloud.is_manual() { RetryConfig::disabled() } else { RetryConfig::standard() };
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(cloud.region().to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::from_keys(
            TEST_ACCESS_KEY_ID,
            TEST_SECRET_ACCESS_KEY,
            None,
        )))
        .http_client(CloudHttpClient::new(cloud))
        .time_source(CloudTimeSource::new(cloud))
        .sleep_impl(CloudSleep::new(cloud))
        .retry_config(retry)
}
