//! Helpers the SDK test files share.
#![allow(dead_code)] // each test file uses its own subset

use localcloud::Cloud;

/// A cloud on a manual clock with a fixed seed.
pub fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

/// An SQS client answered by `cloud`.
pub fn sqs(cloud: &Cloud) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&localcloud_aws::sdk_config(cloud))
}

/// An SNS client answered by `cloud`.
pub fn sns(cloud: &Cloud) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(&localcloud_aws::sdk_config(cloud))
}

/// A Kinesis client answered by `cloud`.
pub fn kinesis(cloud: &Cloud) -> aws_sdk_kinesis::Client {
    aws_sdk_kinesis::Client::new(&localcloud_aws::sdk_config(cloud))
}

/// Creates a queue through the SDK and returns its URL.
pub async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.create_queue().queue_name(name).send().await.unwrap().queue_url.unwrap()
}

/// A Lambda client answered by `cloud`.
pub fn lambda(cloud: &Cloud) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&localcloud_aws::sdk_config(cloud))
}
