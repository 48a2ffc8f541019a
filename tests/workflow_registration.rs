//! Domains and types: registration, retention range, deprecation, SWF faults.

mod common;

use std::time::Duration;

use common::workflow::*;
use localcloud::workflow::*;
use localcloud::Cloud;

fn cloud() -> Workflows {
    Cloud::builder().manual_clock().seed(1).build().workflows()
}

#[test]
fn domain_retention_from_zero_to_ninety_days_is_accepted() {
    let wf = cloud();
    wf.register_domain("zero", Duration::ZERO).unwrap();
    wf.register_domain("ninety", days(90)).unwrap();
    assert_eq!(wf.describe_domain("ninety").unwrap().retention, days(90));
    assert_eq!(wf.describe_domain("zero").unwrap().status, RegistrationStatus::Registered);
}

#[test]
fn domain_retention_past_ninety_days_or_in_part_days_is_rejected() {
    let wf = cloud();
    assert_eq!(wf.register_domain("d", days(91)).unwrap_err().code(), "ValidationException");
    assert_eq!(wf.register_domain("d", Duration::from_secs(3600)).unwrap_err().code(), "ValidationException");
    assert_eq!(wf.describe_domain("d").unwrap_err().code(), "UnknownResourceFault");
}

#[test]
fn registering_a_domain_twice_is_domain_already_exists() {
    let wf = cloud();
    wf.register_domain("d", days(1)).unwrap();
    assert_eq!(wf.register_domain("d", days(2)).unwrap_err().code(), "DomainAlreadyExistsFault");
    assert_eq!(wf.describe_domain("d").unwrap().retention, days(1));
}

#[test]
fn domain_names_follow_swf_rules() {
    let wf = cloud();
    for bad in ["", "a:b", "a/b", "a|b", " lead", "has arn inside", &"x".repeat(257)] {
        assert_eq!(wf.register_domain(bad, days(1)).unwrap_err().code(), "ValidationException", "{bad:?}");
    }
}

#[test]
fn the_hundred_and_first_domain_is_limit_exceeded() {
    let wf = cloud();
    for i in 0..MAX_DOMAINS {
        wf.register_domain(&format!("d{i}"), days(1)).unwrap();
    }
    assert_eq!(wf.register_domain("one-more", days(1)).unwrap_err().code(), "LimitExceededFault");
}

#[test]
fn a_deprecated_domain_starts_nothing_new_and_lists_apart() {
    let (_c, wf) = setup();
    wf.deprecate_domain(DOMAIN).unwrap();
    let err = wf.start_workflow_execution(DOMAIN, "w", approve(), "").unwrap_err();
    assert_eq!(err.code(), "DomainDeprecatedFault");
    assert_eq!(wf.deprecate_domain(DOMAIN).unwrap_err().code(), "DomainDeprecatedFault");
    assert_eq!(wf.list_domains(RegistrationStatus::Deprecated).len(), 1);
    assert!(wf.list_domains(RegistrationStatus::Registered).is_empty());
    wf.undeprecate_domain(DOMAIN).unwrap();
    wf.start_workflow_execution(DOMAIN, "w", approve(), "").unwrap();
}

#[test]
fn types_are_keyed_by_name_and_version() {
    let (_c, wf) = setup();
    let again = wf.register_workflow_type(DOMAIN, WorkflowTypeConfig::new("approve", "1")).unwrap_err();
    assert_eq!(again.code(), "TypeAlreadyExistsFault");
    wf.register_workflow_type(DOMAIN, WorkflowTypeConfig::new("approve", "2")).unwrap();
    let again = wf.register_activity_type(DOMAIN, ActivityTypeConfig::new("email", "1")).unwrap_err();
    assert_eq!(again.code(), "TypeAlreadyExistsFault");
    let listed = wf.list_workflow_types(DOMAIN, RegistrationStatus::Registered).unwrap();
    let versions: Vec<_> = listed.iter().map(|t| t.config.workflow_type().version().to_string()).collect();
    assert_eq!(versions, ["1", "2"]);
}

#[test]
fn type_defaults_are_kept_as_registered() {
    let (_c, wf) = setup();
    let t = wf.describe_workflow_type(DOMAIN, &approve()).unwrap();
    assert_eq!(t.config.task_list(), Some(DECIDERS));
    assert_eq!(t.status, RegistrationStatus::Registered);
    assert!(t.deprecation_date.is_none());
}

#[test]
fn a_deprecated_workflow_type_starts_no_execution() {
    let (_c, wf) = setup();
    wf.deprecate_workflow_type(DOMAIN, &approve()).unwrap();
    let err = wf.start_workflow_execution(DOMAIN, "w", approve(), "").unwrap_err();
    assert_eq!(err.code(), "TypeDeprecatedFault");
    assert_eq!(wf.deprecate_workflow_type(DOMAIN, &approve()).unwrap_err().code(), "TypeDeprecatedFault");
    assert!(wf.describe_workflow_type(DOMAIN, &approve()).unwrap().deprecation_date.is_some());
    assert_eq!(wf.list_workflow_types(DOMAIN, RegistrationStatus::Deprecated).unwrap().len(), 1);
}

#[test]
fn unknown_domains_and_types_are_unknown_resource() {
    let (_c, wf) = setup();
    let err = wf.register_workflow_type("nowhere", WorkflowTypeConfig::new("a", "1")).unwrap_err();
    assert_eq!(err.code(), "UnknownResourceFault");
    let err = wf.start_workflow_execution(DOMAIN, "w", WorkflowType::new("nope", "1"), "").unwrap_err();
    assert_eq!(err.code(), "UnknownResourceFault");
    assert_eq!(
        wf.deprecate_activity_type(DOMAIN, &ActivityType::new("nope", "1")).unwrap_err().code(),
        "UnknownResourceFault"
    );
    assert_eq!(wf.poll_for_decision_task("nowhere", DECIDERS).unwrap_err().code(), "UnknownResourceFault");
}

#[test]
fn type_timeouts_must_be_whole_seconds_and_versions_short() {
    let wf = cloud();
    wf.register_domain("d", days(1)).unwrap();
    let err = wf
        .register_activity_type(
            "d",
            ActivityTypeConfig::new("a", "1").default_start_to_close_timeout(Duration::from_millis(1500)),
        )
        .unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let err = wf.register_workflow_type("d", WorkflowTypeConfig::new("a", "v".repeat(65))).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let err = wf
        .register_workflow_type(
            "d",
            WorkflowTypeConfig::new("a", "1").default_execution_start_to_close_timeout(days(366)),
        )
        .unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

#[test]
fn an_undeprecated_type_starts_executions_again() {
    let (_c, wf) = setup();
    assert_eq!(wf.undeprecate_workflow_type(DOMAIN, &approve()).unwrap_err().code(), "TypeAlreadyExistsFault");
    wf.deprecate_workflow_type(DOMAIN, &approve()).unwrap();
    wf.undeprecate_workflow_type(DOMAIN, &approve()).unwrap();
    assert!(wf.describe_workflow_type(DOMAIN, &approve()).unwrap().deprecation_date.is_none());
    wf.start_workflow_execution(DOMAIN, "w", approve(), "").unwrap();
    wf.deprecate_activity_type(DOMAIN, &email()).unwrap();
    wf.undeprecate_activity_type(DOMAIN, &email()).unwrap();
    assert_eq!(wf.undeprecate_activity_type(DOMAIN, &email()).unwrap_err().code(), "TypeAlreadyExistsFault");
}

#[test]
fn the_handle_is_clone_send_and_sync() {
    fn check<T: Clone + Send + Sync + std::fmt::Debug>() {}
    check::<Workflows>();
    check::<WorkflowError>();
}
