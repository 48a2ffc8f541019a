//! Random requests thrown at Lambda's REST-JSON paths: every answer is a success
//! status or an error naming its code in `x-amzn-errortype` with a JSON `message`,
//! never a panic.

use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use localcloud::{Cloud, FunctionConfig, HandlerError, QueueConfig, StreamConfig};
use localcloud_aws::CloudHttpClient;
use proptest::prelude::*;
use serde_json::Value;

mod fuzz_support;

const PATHS: &[&str] = &[
    "/2015-03-31/functions",
    "/2015-03-31/functions/{f}",
    "/2015-03-31/functions/{f}/configuration",
    "/2015-03-31/functions/{f}/invocations",
    "/2015-03-31/functions/{f}/versions",
    "/2015-03-31/functions/{f}/aliases",
    "/2015-03-31/functions/{f}/aliases/{a}",
    "/2017-10-31/functions/{f}/concurrency",
    "/2019-09-30/functions/{f}/concurrency",
    "/2019-09-25/functions/{f}/event-invoke-config",
    "/2015-03-31/functions/{f}/policy",
    "/2015-03-31/functions/{f}/policy/{a}",
    "/2015-03-31/event-source-mappings",
    "/2015-03-31/event-source-mappings/{a}",
    "/2015-03-31/functions/{f}/frobnicate",
    "/",
];

const NAMES: &[&str] = &[
    "echo",
    "boom",
    "missing",
    "echo:1",
    "echo:live",
    "echo:0",
    "echo:%24LATEST",
    "echo:99",
    "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aecho",
    "arn:aws:lambda:us-east-1:000000000000:function:echo:live",
    "arn:aws:lambda",
    "function",
    ":",
    "%zz",
    "%ff",
    "",
    "a%20b",
];

const QUERIES: &[&str] = &[
    "",
    "?Qualifier=1",
    "?Qualifier=live",
    "?Qualifier=0",
    "?Qualifier=%24LATEST",
    "?Qualifier=",
    "?MaxItems=0",
    "?MaxItems=1&Marker=1",
    "?Marker=x",
    "?Marker=99999999999999999999",
    "?FunctionVersion=ALL",
    "?%zz",
];

const FIELDS: &[&str] = &[
    "FunctionName",
    "Name",
    "FunctionVersion",
    "RoutingConfig",
    "AdditionalVersionWeights",
    "ReservedConcurrentExecutions",
    "MaximumRetryAttempts",
    "MaximumEventAgeInSeconds",
    "DestinationConfig",
    "OnSuccess",
    "OnFailure",
    "Destination",
    "StatementId",
    "Action",
    "Principal",
    "SourceArn",
    "SourceAccount",
    "Timeout",
    "MemorySize",
    "Environment",
    "Variables",
    "Description",
    "EventSourceArn",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "FunctionResponseTypes",
    "ScalingConfig",
    "MaximumConcurrency",
    "StartingPosition",
    "StartingPositionTimestamp",
    "BisectBatchOnFunctionError",
    "MaximumRecordAgeInSeconds",
    "ParallelizationFactor",
    "TumblingWindowInSeconds",
    "Enabled",
];

const STRINGS: &[&str] = &[
    "echo",
    "live",
    "1",
    "2",
    "0",
    "$LATEST",
    "lambda:InvokeFunction",
    "sns.amazonaws.com",
    "arn:aws:sqs:us-east-1:000000000000:q",
    "arn:aws:sns:us-east-1:000000000000:t",
    "arn:aws:lambda:us-east-1:000000000000:function:echo",
    "arn:aws:kinesis:us-east-1:000000000000:stream/s",
    "ReportBatchItemFailures",
    "TRIM_HORIZON",
    "AT_TIMESTAMP",
];

fn body() -> impl Strategy<Value = Vec<u8>> {
    fuzz_support::body(FIELDS, STRINGS, -5i64..1000)
}

fn cloud() -> Cloud {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    cloud.create_queue("q", QueueConfig::default()).unwrap();
    cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    let rt = cloud.functions();
    rt.create_function("echo", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    rt.publish_version("echo").unwrap();
    rt.create_alias("echo", "live", "1", localcloud::function::AliasRouting::none()).unwrap();
    rt.create_function("boom", FunctionConfig::default(), |_, _| Err(HandlerError::new("Boom", "no"))).unwrap();
    cloud
}

struct Answer {
    status: u16,
    error_type: Option<String>,
    body: Vec<u8>,
}

fn call(client: &CloudHttpClient, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let mut req = HttpRequest::new(SdkBody::from(body));
    *req.uri_mut() = format!("https://lambda.us-east-1.amazonaws.com{path}").as_str().try_into().unwrap();
    req.set_method(method).unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(k.to_string(), v.to_string());
    }
    let resp = client.answer(req);
    Answer {
        status: resp.status().as_u16(),
        error_type: resp.headers().get("x-amzn-errortype").map(str::to_owned),
        body: resp.body().bytes().unwrap_or_default().to_vec(),
    }
}

fn well_formed(a: &Answer) -> Result<(), TestCaseError> {
    if matches!(a.status, 200 | 201 | 202 | 204) {
        return Ok(());
    }
    prop_assert!((400..500).contains(&a.status), "status {}", a.status);
    prop_assert!(a.error_type.as_deref().is_some_and(|t| t.ends_with("Exception")), "{:?}", a.error_type);
    let v: Value = serde_json::from_slice(&a.body).unwrap();
    prop_assert!(v["message"].is_string());
    Ok(())
}

proptest! {
    #[test]
    fn lambda_answers_any_request_with_a_result_or_a_typed_error(
        method in prop::sample::select(&["GET", "POST", "PUT", "DELETE"][..]),
        path in prop::sample::select(PATHS),
        name in prop::sample::select(NAMES),
        alias in prop::sample::select(&["live", "1", "x", "sid", "%zz", ""][..]),
        query in prop::sample::select(QUERIES),
        kind in prop::sample::select(&["RequestResponse", "Event", "DryRun", "Bogus"][..]),
        log in prop::sample::select(&["None", "Tail", "Bogus"][..]),
        body in body(),
    ) {
        let client = CloudHttpClient::new(&cloud());
        let path = format!("{}{query}", path.replace("{f}", name).replace("{a}", alias));
        let headers = [("x-amz-invocation-type", kind), ("x-amz-log-type", log)];
        well_formed(&call(&client, method, &path, &headers, body))?;
    }
}

#[test]
fn unknown_paths_and_bad_bodies_get_aws_codes() {
    let client = CloudHttpClient::new(&cloud());
    let a = call(&client, "GET", "/2015-03-31/event-source-mappings/nope", &[], Vec::new());
    assert_eq!((a.status, a.error_type.as_deref()), (404, Some("ResourceNotFoundException")));
    let a = call(&client, "GET", "/2015-03-31/functions/echo/frobnicate", &[], Vec::new());
    assert_eq!((a.status, a.error_type.as_deref()), (404, Some("UnknownOperationException")));
    let a = call(&client, "POST", "/2015-03-31/functions/echo/aliases", &[], b"[1,".to_vec());
    assert_eq!((a.status, a.error_type.as_deref()), (400, Some("InvalidRequestContentException")));
    let a = call(&client, "POST", "/2015-03-31/functions/echo/aliases", &[], b"{\"Name\": 7}".to_vec());
    assert_eq!((a.status, a.error_type.as_deref()), (400, Some("ValidationException")));
    let a = call(&client, "GET", "/2015-03-31/functions/echo%zz", &[], Vec::new());
    assert_eq!((a.status, a.error_type.as_deref()), (400, Some("ValidationException")));
    let a = call(&client, "POST", "/2015-03-31/functions/echo/invocations", &[("x-amz-invocation-type", "x")], vec![]);
    assert_eq!((a.status, a.error_type.as_deref()), (400, Some("ValidationException")));
}
