//! SPEC §4 rows: versions ($LATEST mutable, publish 1, 2, …, idempotent when nothing
//! changed, immutable) and aliases (names, routing to one extra weighted version,
//! drawn from the cloud's seed).

use localcloud::function::{AliasRouting, Invocation, VersionId};
use localcloud::{Cloud, FunctionConfig, FunctionRuntime};

fn setup() -> (Cloud, FunctionRuntime) {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    rt.create_function("f", FunctionConfig::default(), |_, _| Ok("v1".into())).unwrap();
    (cloud, rt)
}

fn call(rt: &FunctionRuntime, target: &str) -> String {
    rt.invoke(target, Invocation::request_response("")).unwrap().payload_str().into_owned()
}

#[test]
fn publish_numbers_versions_from_one_and_returns_the_last_when_nothing_changed() {
    let (_c, rt) = setup();
    assert_eq!(rt.publish_version("f").unwrap(), VersionId::Number(1));
    assert_eq!(rt.publish_version("f").unwrap(), VersionId::Number(1), "no change since");
    rt.update_function_code("f", |_, _| Ok("v2".into())).unwrap();
    assert_eq!(rt.publish_version("f").unwrap(), VersionId::Number(2));
    rt.update_function_configuration("f", FunctionConfig::default().memory_mb(256)).unwrap();
    assert_eq!(rt.publish_version("f").unwrap(), VersionId::Number(3), "a configuration change counts");
    assert_eq!(
        rt.list_versions("f").unwrap(),
        vec![VersionId::Latest, VersionId::Number(1), VersionId::Number(2), VersionId::Number(3)]
    );
}

#[test]
fn latest_is_mutable_and_published_versions_are_not() {
    let (_c, rt) = setup();
    rt.publish_version("f").unwrap();
    rt.update_function_code("f", |_, _| Ok("v2".into())).unwrap();
    assert_eq!(call(&rt, "f"), "v2");
    assert_eq!(call(&rt, "f:$LATEST"), "v2");
    assert_eq!(call(&rt, "f:1"), "v1", "version 1 keeps its code");
    rt.update_function_configuration("f", FunctionConfig::default().memory_mb(512)).unwrap();
    let v1 = rt.invoke("f:1", Invocation::request_response("")).unwrap();
    assert_eq!(v1.memory_mb(), 128, "and its configuration");
}

#[test]
fn an_alias_points_at_a_version_or_latest() {
    let (_c, rt) = setup();
    rt.publish_version("f").unwrap();
    rt.update_function_code("f", |_, _| Ok("v2".into())).unwrap();
    let info = rt.create_alias("f", "prod", "1", AliasRouting::none()).unwrap();
    assert_eq!(info.arn, "arn:aws:lambda:us-east-1:000000000000:function:f:prod");
    rt.create_alias("f", "dev", "$LATEST", AliasRouting::none()).unwrap();
    assert_eq!(call(&rt, "f:prod"), "v1");
    assert_eq!(call(&rt, "f:dev"), "v2");
    rt.publish_version("f").unwrap();
    rt.update_alias("f", "prod", "2", AliasRouting::none()).unwrap();
    assert_eq!(call(&rt, "f:prod"), "v2");
    assert_eq!(rt.list_aliases("f").unwrap().len(), 2);
    rt.delete_alias("f", "dev").unwrap();
    assert_eq!(rt.invoke("f:dev", Invocation::request_response("")).unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn alias_names_must_be_1_to_128_word_characters_and_not_all_digits() {
    let (_c, rt) = setup();
    rt.publish_version("f").unwrap();
    for bad in ["", "123", "a b", &"a".repeat(129)] {
        let err = rt.create_alias("f", bad, "1", AliasRouting::none()).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValueException", "{bad:?}");
    }
    rt.create_alias("f", &"a".repeat(128), "1", AliasRouting::none()).unwrap();
    rt.create_alias("f", "v1-live_2", "1", AliasRouting::none()).unwrap();
}

#[test]
fn a_taken_alias_is_a_conflict_and_a_missing_version_not_found() {
    let (_c, rt) = setup();
    rt.publish_version("f").unwrap();
    rt.create_alias("f", "prod", "1", AliasRouting::none()).unwrap();
    assert_eq!(
        rt.create_alias("f", "prod", "1", AliasRouting::none()).unwrap_err().code(),
        "ResourceConflictException"
    );
    assert_eq!(
        rt.create_alias("f", "next", "9", AliasRouting::none()).unwrap_err().code(),
        "ResourceNotFoundException"
    );
    assert_eq!(
        rt.update_alias("f", "nope", "1", AliasRouting::none()).unwrap_err().code(),
        "ResourceNotFoundException"
    );
    assert_eq!(
        rt.create_alias("f", "x", "one", AliasRouting::none()).unwrap_err().code(),
        "InvalidParameterValueException"
    );
}

#[test]
fn routing_takes_one_published_extra_version_with_a_weight_from_0_to_1() {
    let (_c, rt) = setup();
    rt.publish_version("f").unwrap();
    rt.update_function_code("f", |_, _| Ok("v2".into())).unwrap();
    rt.publish_version("f").unwrap();
    rt.update_function_code("f", |_, _| Ok("v3".into())).unwrap();
    rt.publish_version("f").unwrap();
    let bad = [
        ("1", AliasRouting::weights([("2", 1.5)])),
        ("1", AliasRouting::weights([("2", -0.1)])),
        ("1", AliasRouting::weights([("2", f64::NAN)])),
        ("1", AliasRouting::weights([("2", 0.1), ("3", 0.1)])),
        ("1", AliasRouting::weights([("$LATEST", 0.1)])),
        ("1", AliasRouting::weights([("1", 0.1)])),
        ("$LATEST", AliasRouting::weights([("2", 0.1)])),
    ];
    for (v, r) in bad {
        let err = rt.create_alias("f", "a", v, r.clone()).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValueException", "{v} {r:?}");
    }
    assert_eq!(
        rt.create_alias("f", "a", "1", AliasRouting::weights([("7", 0.5)])).unwrap_err().code(),
        "ResourceNotFoundException"
    );
    let info = rt.create_alias("f", "a", "1", AliasRouting::weights([("2", 0.3)])).unwrap();
    assert_eq!(info.routing, Some((VersionId::Number(2), 0.3)));
    assert_eq!(rt.alias("f", "a").unwrap(), info);
}

#[test]
fn weighted_routing_splits_traffic_by_weight_and_reports_the_executed_version() {
    let (_c, rt) = setup();
    rt.publish_version("f").unwrap();
    rt.update_function_code("f", |_, _| Ok("v2".into())).unwrap();
    rt.publish_version("f").unwrap();
    rt.create_alias("f", "live", "1", AliasRouting::weights([("2", 0.2)])).unwrap();
    let mut v2 = 0;
    for _ in 0..2000 {
        let out = rt.invoke("f:live", Invocation::request_response("")).unwrap();
        let v = out.executed_version().unwrap();
        assert_eq!(out.payload().as_ref() == b"v2", v == VersionId::Number(2));
        v2 += usize::from(v == VersionId::Number(2));
    }
    assert!((330..470).contains(&v2), "{v2} of 2000 at weight 0.2");
    rt.update_alias("f", "live", "1", AliasRouting::weights([("2", 0.0)])).unwrap();
    assert!((0..50).all(|_| call(&rt, "f:live") == "v1"));
    rt.update_alias("f", "live", "1", AliasRouting::weights([("2", 1.0)])).unwrap();
    assert!((0..50).all(|_| call(&rt, "f:live") == "v2"));
}

#[test]
fn the_weighted_choice_comes_from_the_cloud_seed() {
    let picks = |seed| {
        let cloud = Cloud::builder().manual_clock().seed(seed).build();
        let rt = cloud.functions();
        rt.create_function("f", FunctionConfig::default(), |_, _| Ok("v1".into())).unwrap();
        rt.publish_version("f").unwrap();
        rt.update_function_code("f", |_, _| Ok("v2".into())).unwrap();
        rt.publish_version("f").unwrap();
        rt.create_alias("f", "live", "1", AliasRouting::weights([("2", 0.5)])).unwrap();
        (0..64).map(|_| call(&rt, "f:live")).collect::<Vec<_>>()
    };
    assert_eq!(picks(3), picks(3));
    assert_ne!(picks(3), picks(4));
}
