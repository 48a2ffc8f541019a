//! SPEC §4 row: resource permissions. A call that names a principal needs a matching
//! statement (principal, source ARN, source account); the account owner is always
//! allowed; a dry run checks the same.

use localcloud::function::{Invocation, Permission};
use localcloud::{Cloud, FunctionConfig, FunctionRuntime};

const ORDERS: &str = "arn:aws:sqs:us-east-1:000000000000:orders";

fn setup() -> (Cloud, FunctionRuntime) {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    rt.create_function("f", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    (cloud, rt)
}

fn from_sqs(arn: &str) -> Invocation {
    Invocation::request_response("x").principal("sqs.amazonaws.com").source_arn(arn)
}

#[test]
fn the_account_owner_may_always_invoke() {
    let (_c, rt) = setup();
    assert_eq!(rt.invoke("f", Invocation::request_response("x")).unwrap().status_code(), 200);
    let own = Invocation::request_response("x").principal("000000000000");
    assert_eq!(rt.invoke("f", own).unwrap().status_code(), 200);
    let root = Invocation::request_response("x").principal("arn:aws:iam::000000000000:root");
    assert_eq!(rt.invoke("f", root).unwrap().status_code(), 200);
}

#[test]
fn a_service_principal_without_a_statement_is_denied_and_nothing_runs() {
    let (cloud, rt) = setup();
    let err = rt.invoke("f", from_sqs(ORDERS)).unwrap_err();
    assert_eq!(err.code(), "AccessDeniedException");
    let err = rt.invoke("f", Invocation::event("x").principal("sns.amazonaws.com")).unwrap_err();
    assert_eq!(err.code(), "AccessDeniedException");
    cloud.run_until_idle();
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "Invocations"), Some(0.0));
}

#[test]
fn a_statement_allows_its_principal_from_its_source_only() {
    let (_c, rt) = setup();
    rt.add_permission("f", Permission::new("allow-orders").principal("sqs.amazonaws.com").source_arn(ORDERS)).unwrap();
    assert_eq!(rt.invoke("f", from_sqs(ORDERS)).unwrap().status_code(), 200);
    let other = "arn:aws:sqs:us-east-1:000000000000:other";
    assert_eq!(rt.invoke("f", from_sqs(other)).unwrap_err().code(), "AccessDeniedException");
    let sns = Invocation::request_response("x").principal("sns.amazonaws.com").source_arn(ORDERS);
    assert_eq!(rt.invoke("f", sns).unwrap_err().code(), "AccessDeniedException");
}

#[test]
fn source_account_and_wildcard_principals() {
    let (_c, rt) = setup();
    rt.add_permission("f", Permission::new("any-from-acct").source_account("111122223333")).unwrap();
    let ok = Invocation::request_response("x").principal("events.amazonaws.com").source_account("111122223333");
    assert_eq!(rt.invoke("f", ok).unwrap().status_code(), 200);
    let no = Invocation::request_response("x").principal("events.amazonaws.com").source_account("444455556666");
    assert_eq!(rt.invoke("f", no).unwrap_err().code(), "AccessDeniedException");
}

#[test]
fn a_dry_run_checks_the_permission() {
    let (_c, rt) = setup();
    let dry = || Invocation::dry_run().principal("sqs.amazonaws.com").source_arn(ORDERS);
    assert_eq!(rt.invoke("f", dry()).unwrap_err().code(), "AccessDeniedException");
    rt.add_permission("f", Permission::new("s1").principal("sqs.amazonaws.com").source_arn(ORDERS)).unwrap();
    assert_eq!(rt.invoke("f", dry()).unwrap().status_code(), 204);
}

#[test]
fn statement_ids_are_unique_validated_and_removable() {
    let (_c, rt) = setup();
    let p = Permission::new("s1").principal("sqs.amazonaws.com");
    rt.add_permission("f", p.clone()).unwrap();
    assert_eq!(rt.add_permission("f", p).unwrap_err().code(), "ResourceConflictException");
    assert_eq!(rt.add_permission("f", Permission::new("bad id")).unwrap_err().code(), "InvalidParameterValueException");
    assert_eq!(rt.policy("f").unwrap().len(), 1);
    rt.remove_permission("f", "s1").unwrap();
    assert_eq!(rt.remove_permission("f", "s1").unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(rt.invoke("f", from_sqs(ORDERS)).unwrap_err().code(), "AccessDeniedException");
}
