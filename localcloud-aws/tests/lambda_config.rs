//! Lambda configuration through the AWS SDK for Rust: functions, configuration updates,
//! versions, aliases, event invoke configs, CreateFunction's refusal and error codes.

mod common;

use std::time::Duration;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::{
    AliasRoutingConfiguration, DestinationConfig, Environment, FunctionVersion, OnSuccess, Runtime,
};
use common::{cloud, lambda};
use localcloud::FunctionConfig;

#[tokio::test]
async fn functions_made_in_rust_are_listed_described_and_deleted() {
    // given two functions made in Rust
    let cloud = cloud();
    let rt = cloud.functions();
    let cfg = FunctionConfig::default().timeout(Duration::from_secs(10)).memory_mb(256).env("TABLE", "orders");
    rt.create_function("a", cfg, |_, p| Ok(p)).unwrap();
    rt.create_function("b", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    let client = lambda(&cloud);

    // then the SDK lists them a page at a time and describes them
    let first = client.list_functions().max_items(1).send().await.unwrap();
    assert_eq!(first.functions()[0].function_name(), Some("a"));
    let second = client.list_functions().marker(first.next_marker().unwrap()).send().await.unwrap();
    assert_eq!(second.functions()[0].function_name(), Some("b"));
    assert_eq!(second.next_marker(), None);

    let got = client.get_function().function_name("a").send().await.unwrap();
    let c = got.configuration().unwrap();
    assert_eq!(c.function_arn(), Some("arn:aws:lambda:us-east-1:000000000000:function:a"));
    assert_eq!((c.timeout(), c.memory_size()), (Some(10), Some(256)));
    assert_eq!(c.environment().unwrap().variables().unwrap()["TABLE"], "orders");

    // and deleting one over the wire removes it from the cloud
    client.delete_function().function_name("b").send().await.unwrap();
    assert_eq!(rt.function("b").unwrap_err().code(), "ResourceNotFoundException");
    let again = client.get_function().function_name("b").send().await;
    assert_eq!(again.unwrap_err().code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn create_function_over_the_wire_is_refused_with_a_clear_error() {
    let cloud = cloud();
    cloud.functions().create_function("taken", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    let client = lambda(&cloud);
    let create = |name: &'static str| {
        client
            .create_function()
            .function_name(name)
            .role("arn:aws:iam::000000000000:role/r")
            .runtime(Runtime::Nodejs20x)
    };
    let err = create("fresh").send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert!(err.message().unwrap().contains("create_function"));
    assert_eq!(create("taken").send().await.unwrap_err().code(), Some("ResourceConflictException"));
}

#[tokio::test]
async fn configuration_update_changes_latest_and_publish_freezes_it() {
    // given a function with one variable
    let cloud = cloud();
    let rt = cloud.functions();
    rt.create_function("f", FunctionConfig::default().env("A", "1"), |ctx, _| {
        Ok(format!("{:?}", ctx.env("B")).into_bytes().into())
    })
    .unwrap();
    let client = lambda(&cloud);

    // when its configuration is updated through the SDK and published
    let updated = client
        .update_function_configuration()
        .function_name("f")
        .timeout(30)
        .memory_size(512)
        .environment(Environment::builder().variables("B", "2").build())
        .send()
        .await
        .unwrap();
    assert_eq!((updated.timeout(), updated.memory_size()), (Some(30), Some(512)));
    let v1 = client.publish_version().function_name("f").send().await.unwrap();
    assert_eq!(v1.version(), Some("1"));
    client.update_function_configuration().function_name("f").timeout(5).send().await.unwrap();

    // then version 1 keeps its settings, $LATEST has the new ones, the handler sees them
    let one = client.get_function_configuration().function_name("f").qualifier("1").send().await.unwrap();
    assert_eq!(one.timeout(), Some(30));
    let vars = one.environment().unwrap().variables().unwrap();
    assert_eq!((vars.get("A"), vars.get("B").map(String::as_str)), (None, Some("2")));
    let latest = client.get_function_configuration().function_name("f").send().await.unwrap();
    assert_eq!((latest.timeout(), latest.version()), (Some(5), Some("$LATEST")));
    let out = client.invoke().function_name("f").send().await.unwrap();
    assert_eq!(out.payload().unwrap().as_ref(), b"Some(\"2\")");
    let versions = client.list_versions_by_function().function_name("f").send().await.unwrap();
    let names: Vec<_> = versions.versions().iter().filter_map(|v| v.version()).collect();
    assert_eq!(names, ["$LATEST", "1"]);
    let all = client.list_functions().function_version(FunctionVersion::All).send().await.unwrap();
    assert_eq!(all.functions().len(), 2);

    // and a bad value is refused with AWS's code
    let bad = client.update_function_configuration().function_name("f").timeout(901).send().await;
    assert_eq!(bad.unwrap_err().code(), Some("InvalidParameterValueException"));
}

#[tokio::test]
async fn aliases_are_created_read_updated_listed_and_deleted() {
    let cloud = cloud();
    let rt = cloud.functions();
    rt.create_function("f", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    rt.publish_version("f").unwrap();
    rt.update_function_configuration("f", FunctionConfig::default().memory_mb(256)).unwrap();
    rt.publish_version("f").unwrap();
    let client = lambda(&cloud);

    client.create_alias().function_name("f").name("prod").function_version("1").send().await.unwrap();
    let dup = client.create_alias().function_name("f").name("prod").function_version("1").send().await;
    assert_eq!(dup.unwrap_err().code(), Some("ResourceConflictException"));
    let routing = AliasRoutingConfiguration::builder().additional_version_weights("2", 0.5).build();
    let updated = client.update_alias().function_name("f").name("prod").routing_config(routing).send().await.unwrap();
    assert_eq!(updated.function_version(), Some("1"));
    let got = client.get_alias().function_name("f").name("prod").send().await.unwrap();
    assert_eq!(got.routing_config().unwrap().additional_version_weights().unwrap()["2"], 0.5);
    assert_eq!(rt.alias("f", "prod").unwrap().routing.unwrap().1, 0.5);

    client.create_alias().function_name("f").name("beta").function_version("2").send().await.unwrap();
    let listed = client.list_aliases().function_name("f").send().await.unwrap();
    let names: Vec<_> = listed.aliases().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["beta", "prod"]);
    let by_alias = client.get_function_configuration().function_name("f").qualifier("beta").send().await.unwrap();
    assert_eq!(by_alias.memory_size(), Some(256));

    client.delete_alias().function_name("f").name("beta").send().await.unwrap();
    let gone = client.get_alias().function_name("f").name("beta").send().await;
    assert_eq!(gone.unwrap_err().code(), Some("ResourceNotFoundException"));
    let bad = client.create_alias().function_name("f").name("x").function_version("9").send().await;
    assert_eq!(bad.unwrap_err().code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn event_invoke_config_is_put_updated_read_and_deleted() {
    let cloud = cloud();
    cloud.functions().create_function("f", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    let done = cloud.create_queue("done", localcloud::QueueConfig::default()).unwrap();
    let client = lambda(&cloud);

    let dest = DestinationConfig::builder().on_success(OnSuccess::builder().destination(done.arn()).build()).build();
    client.put_function_event_invoke_config().function_name("f").destination_config(dest).send().await.unwrap();
    let updated = client
        .update_function_event_invoke_config()
        .function_name("f")
        .maximum_event_age_in_seconds(120)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.maximum_event_age_in_seconds(), Some(120));
    assert_eq!(updated.destination_config().unwrap().on_success().unwrap().destination(), Some(done.arn()));

    let got = client.get_function_event_invoke_config().function_name("f").send().await.unwrap();
    assert_eq!((got.maximum_retry_attempts(), got.maximum_event_age_in_seconds()), (Some(2), Some(120)));
    let native = cloud.functions().function_event_invoke_config("f").unwrap();
    assert_eq!(native.maximum_event_age_value(), Duration::from_secs(120));

    let bad = client.put_function_event_invoke_config().function_name("f").maximum_retry_attempts(3).send();
    assert_eq!(bad.await.unwrap_err().code(), Some("InvalidParameterValueException"));
    let missing = DestinationConfig::builder()
        .on_success(OnSuccess::builder().destination("arn:aws:sqs:us-east-1:000000000000:nope").build())
        .build();
    let err = client.put_function_event_invoke_config().function_name("f").destination_config(missing).send().await;
    assert_eq!(err.unwrap_err().code(), Some("InvalidParameterValueException"));

    client.delete_function_event_invoke_config().function_name("f").send().await.unwrap();
    let got = client.get_function_event_invoke_config().function_name("f").send().await.unwrap();
    assert!(got.destination_config().unwrap().on_success().unwrap().destination().is_none());
}
