//! Domains, workflow types and activity types: registration, deprecation, defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::error::WorkflowError;
use super::Workflows;
use crate::clock::Timestamp;

/// The longest a domain keeps closed executions: 90 days.
pub const MAX_RETENTION: Duration = Duration::from_secs(90 * 86_400);
/// The most domains one account may register.
pub const MAX_DOMAINS: usize = 100;
/// The most workflow plus activity types one domain may register.
pub const MAX_TYPES_PER_DOMAIN: usize = 10_000;
/// The longest execution start-to-close timeout: one year.
pub const MAX_EXECUTION_TIMEOUT: Duration = Duration::from_secs(31_536_000);

/// A timeout as SWF takes it: a whole number of seconds, or `NONE` (no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timeout {
    /// Fires after this long (whole seconds).
    After(Duration),
    /// Never fires (`"NONE"`).
    Never,
}

impl Timeout {
    /// SWF's string form: seconds as decimal digits, or `"NONE"`.
    pub fn to_swf(self) -> String {
        match self {
            Timeout::After(d) => d.as_secs().to_string(),
            Timeout::Never => "NONE".to_string(),
        }
    }

    /// The duration, or `None` for [`Timeout::Never`].
    pub fn duration(self) -> Option<Duration> {
        match self {
            Timeout::After(d) => Some(d),
            Timeout::Never => None,
        }
    }
}

impl From<Duration> for Timeout {
    fn from(d: Duration) -> Self {
        Timeout::After(d)
    }
}

/// What happens to an execution's open children when it is terminated or times out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildPolicy {
    /// The children are terminated.
    Terminate,
    /// Each child gets a `WorkflowExecutionCancelRequested` event.
    RequestCancel,
    /// The children run on.
    Abandon,
}

impl ChildPolicy {
    /// SWF's name: `TERMINATE`, `REQUEST_CANCEL` or `ABANDON`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChildPolicy::Terminate => "TERMINATE",
            ChildPolicy::RequestCancel => "REQUEST_CANCEL",
            ChildPolicy::Abandon => "ABANDON",
        }
    }
}

/// Whether a domain or type accepts new work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegistrationStatus {
    /// In use.
    Registered,
    /// Kept for what runs already; nothing new.
    Deprecated,
}

impl RegistrationStatus {
    /// SWF's name: `REGISTERED` or `DEPRECATED`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "REGISTERED",
            RegistrationStatus::Deprecated => "DEPRECATED",
        }
    }
}

macro_rules! type_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            name: String,
            version: String,
        }

        impl $name {
            /// The type called `name` at `version`.
            pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
                $name { name: name.into(), version: version.into() }
            }

            /// The type's name.
            pub fn name(&self) -> &str {
                &self.name
            }

            /// The type's version.
            pub fn version(&self) -> &str {
                &self.version
            }

            pub(crate) fn to_json(&self) -> serde_json::Value {
                serde_json::json!({"name": self.name, "version": self.version})
            }

            pub(crate) fn validate(&self) -> Result<(), WorkflowError> {
                validate_name("name", &self.name, 256)?;
                validate_name("version", &self.version, 64)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}:{}", self.name, self.version)
            }
        }
    };
}

type_key!(
    /// A workflow type: a name and a version.
    WorkflowType
);
type_key!(
    /// An activity type: a name and a version.
    ActivityType
);

/// The registration of a workflow type and the defaults its executions inherit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowTypeConfig {
    pub(crate) workflow_type: WorkflowType,
    pub(crate) description: Option<String>,
    pub(crate) default_task_list: Option<String>,
    pub(crate) default_execution_start_to_close_timeout: Option<Duration>,
    pub(crate) default_task_start_to_close_timeout: Option<Timeout>,
    pub(crate) default_child_policy: Option<ChildPolicy>,
}

impl WorkflowTypeConfig {
    /// A workflow type `name` at `version`, with no defaults.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        WorkflowTypeConfig {
            workflow_type: WorkflowType::new(name, version),
            description: None,
            default_task_list: None,
            default_execution_start_to_close_timeout: None,
            default_task_start_to_close_timeout: None,
            default_child_policy: None,
        }
    }
    /// A description (up to 1,024 characters).
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }
    /// The task list deciders poll, when a start names none.
    pub fn default_task_list(mut self, t: impl Into<String>) -> Self {
        self.default_task_list = Some(t.into());
        self
    }
    /// How long an execution may run, when a start names nothing (whole seconds, ≤ 1 year).
    pub fn default_execution_start_to_close_timeout(mut self, d: Duration) -> Self {
        self.default_execution_start_to_close_timeout = Some(d);
        self
    }
    /// How long a decider may hold a decision task.
    pub fn default_task_start_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.default_task_start_to_close_timeout = Some(t.into());
        self
    }
    /// The child policy, when a start names none.
    pub fn default_child_policy(mut self, p: ChildPolicy) -> Self {
        self.default_child_policy = Some(p);
        self
    }
    /// The type being registered.
    pub fn workflow_type(&self) -> &WorkflowType {
        &self.workflow_type
    }
    /// The default task list, if any.
    pub fn task_list(&self) -> Option<&str> {
        self.default_task_list.as_deref()
    }

    fn validate(&self) -> Result<(), WorkflowError> {
        self.workflow_type.validate()?;
        validate_opt_len("description", self.description.as_deref(), 1024)?;
        if let Some(t) = &self.default_task_list {
            validate_name("defaultTaskList", t, 256)?;
        }
        if let Some(d) = self.default_execution_start_to_close_timeout {
            validate_execution_timeout(d)?;
        }
        validate_timeout(self.default_task_start_to_close_timeout)
    }
}

/// The registration of an activity type and the defaults its tasks inherit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityTypeConfig {
    pub(crate) activity_type: ActivityType,
    pub(crate) description: Option<String>,
    pub(crate) default_task_list: Option<String>,
    pub(crate) default_schedule_to_start_timeout: Option<Timeout>,
    pub(crate) default_schedule_to_close_timeout: Option<Timeout>,
    pub(crate) default_start_to_close_timeout: Option<Timeout>,
    pub(crate) default_heartbeat_timeout: Option<Timeout>,
}

impl ActivityTypeConfig {
    /// An activity type `name` at `version`, with no defaults.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ActivityTypeConfig {
            activity_type: ActivityType::new(name, version),
            description: None,
            default_task_list: None,
            default_schedule_to_start_timeout: None,
            default_schedule_to_close_timeout: None,
            default_start_to_close_timeout: None,
            default_heartbeat_timeout: None,
        }
    }
    /// A description (up to 1,024 characters).
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }
    /// The task list workers poll, when a schedule decision names none.
    pub fn default_task_list(mut self, t: impl Into<String>) -> Self {
        self.default_task_list = Some(t.into());
        self
    }
    /// How long a task may wait for a worker.
    pub fn default_schedule_to_start_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.default_schedule_to_start_timeout = Some(t.into());
        self
    }
    /// How long a task may take from scheduled to done.
    pub fn default_schedule_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.default_schedule_to_close_timeout = Some(t.into());
        self
    }
    /// How long a worker may hold a task.
    pub fn default_start_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.default_start_to_close_timeout = Some(t.into());
        self
    }
    /// The longest gap between heartbeats.
    pub fn default_heartbeat_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.default_heartbeat_timeout = Some(t.into());
        self
    }
    /// The type being registered.
    pub fn activity_type(&self) -> &ActivityType {
        &self.activity_type
    }

    fn validate(&self) -> Result<(), WorkflowError> {
        self.activity_type.validate()?;
        validate_opt_len("description", self.description.as_deref(), 1024)?;
        if let Some(t) = &self.default_task_list {
            validate_name("defaultTaskList", t, 256)?;
        }
        for t in [
            self.default_schedule_to_start_timeout,
            self.default_schedule_to_close_timeout,
            self.default_start_to_close_timeout,
            self.default_heartbeat_timeout,
        ] {
            validate_timeout(t)?;
        }
        Ok(())
    }
}

/// A registered type's registration record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeInfo<C> {
    /// The registration (type, description, defaults).
    pub config: C,
    /// Registered or deprecated.
    pub status: RegistrationStatus,
    /// When it was registered.
    pub creation_date: Timestamp,
    /// When it was last deprecated, if it is.
    pub deprecation_date: Option<Timestamp>,
}

/// A domain's registration record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainInfo {
    /// The domain's name.
    pub name: String,
    /// Registered or deprecated.
    pub status: RegistrationStatus,
    /// How long closed executions stay visible.
    pub retention: Duration,
    /// The domain's ARN.
    pub arn: String,
}

pub(crate) struct Domain {
    pub(crate) info: DomainInfo,
    pub(crate) metrics: std::sync::Arc<super::metrics::DomainMetrics>,
    pub(crate) open_executions: usize,
    pub(crate) workflow_types: BTreeMap<WorkflowType, TypeInfo<WorkflowTypeConfig>>,
    pub(crate) activity_types: BTreeMap<ActivityType, TypeInfo<ActivityTypeConfig>>,
}

/// Checks an SWF name: 1..=max characters, no surrounding whitespace, no `:` `/` `|`,
/// no control characters, not containing the literal `arn`.
pub(crate) fn validate_name(field: &str, s: &str, max: usize) -> Result<(), WorkflowError> {
    let n = s.chars().count();
    let bad = n == 0
        || n > max
        || s.trim() != s
        || s.chars().any(|c| c == ':' || c == '/' || c == '|' || c.is_control())
        || s.contains("arn");
    if bad {
        return Err(WorkflowError::Validation(format!(
            "{field} {s:?} must be 1 to {max} characters without ':', '/', '|', control characters, \
             surrounding spaces or \"arn\""
        )));
    }
    Ok(())
}

/// Checks an optional free-text field's length in characters.
pub(crate) fn validate_opt_len(field: &str, s: Option<&str>, max: usize) -> Result<(), WorkflowError> {
    match s {
        Some(s) if s.chars().count() > max => {
            Err(WorkflowError::Validation(format!("{field} is longer than {max} characters")))
        }
        _ => Ok(()),
    }
}

/// Moves a type to `to`; deprecating a deprecated type or undeprecating a registered
/// one is SWF's `TypeDeprecatedFault` / `TypeAlreadyExistsFault`.
fn set_status<K: Ord + fmt::Display, C>(
    types: &mut BTreeMap<K, TypeInfo<C>>,
    ty: &K,
    to: RegistrationStatus,
    now: Timestamp,
) -> Result<(), WorkflowError> {
    let t = types.get_mut(ty).ok_or_else(|| WorkflowError::UnknownResource(format!("type {ty}")))?;
    if t.status == to {
        return Err(match to {
            RegistrationStatus::Deprecated => WorkflowError::TypeDeprecated(ty.to_string()),
            RegistrationStatus::Registered => WorkflowError::TypeAlreadyExists(ty.to_string()),
        });
    }
    t.status = to;
    t.deprecation_date = (to == RegistrationStatus::Deprecated).then_some(now);
    Ok(())
}

pub(crate) fn validate_timeout(t: Option<Timeout>) -> Result<(), WorkflowError> {
    match t {
        Some(Timeout::After(d)) if d.subsec_nanos() != 0 => {
            Err(WorkflowError::Validation(format!("timeout {d:?} must be whole seconds")))
        }
        Some(Timeout::After(d)) if d > Duration::from_secs(u64::from(u32::MAX)) => {
            Err(WorkflowError::Validation(format!("timeout {d:?} is too long")))
        }
        _ => Ok(()),
    }
}

pub(crate) fn validate_execution_timeout(d: Duration) -> Result<(), WorkflowError> {
    if d.subsec_nanos() != 0 || d.is_zero() || d > MAX_EXECUTION_TIMEOUT {
        return Err(WorkflowError::Validation(format!(
            "executionStartToCloseTimeout {d:?} must be 1 to 31536000 whole seconds"
        )));
    }
    Ok(())
}

impl Workflows {
    /// Registers a domain keeping closed executions for `retention` (0 to 90 whole days).
    pub fn register_domain(&self, name: &str, retention: Duration) -> Result<(), WorkflowError> {
        validate_name("name", name, 256)?;
        if retention > MAX_RETENTION || retention.as_secs() % 86_400 != 0 || retention.subsec_nanos() != 0 {
            return Err(WorkflowError::Validation(format!(
                "workflowExecutionRetentionPeriodInDays {retention:?} must be 0 to 90 whole days"
            )));
        }
        let arn = self.core.arn_prefix.clone() + "/domain/" + name;
        self.with(|st, _| {
            if st.domains.contains_key(name) {
                return Err(WorkflowError::DomainAlreadyExists(name.into()));
            }
            if st.domains.len() >= MAX_DOMAINS {
                return Err(WorkflowError::LimitExceeded(format!("at most {MAX_DOMAINS} domains")));
            }
            let info = DomainInfo { name: name.into(), status: RegistrationStatus::Registered, retention, arn };
            let metrics = std::sync::Arc::default();
            self.core.metrics.register(super::metrics::NAMESPACE, name, &metrics);
            let domain = Domain {
                info,
                metrics,
                open_executions: 0,
                workflow_types: BTreeMap::new(),
                activity_types: BTreeMap::new(),
            };
            st.domains.insert(name.into(), domain);
            Ok(())
        })
    }

    /// Deprecates a domain: nothing new starts in it; what runs goes on.
    pub fn deprecate_domain(&self, name: &str) -> Result<(), WorkflowError> {
        self.set_domain_status(name, RegistrationStatus::Deprecated)
    }

    /// Takes a domain's deprecation back.
    pub fn undeprecate_domain(&self, name: &str) -> Result<(), WorkflowError> {
        self.set_domain_status(name, RegistrationStatus::Registered)
    }

    fn set_domain_status(&self, name: &str, to: RegistrationStatus) -> Result<(), WorkflowError> {
        self.with(|st, _| {
            let d = st.domains.get_mut(name).ok_or_else(|| WorkflowError::UnknownResource(format!("domain {name}")))?;
            if d.info.status == to {
                return Err(match to {
                    RegistrationStatus::Deprecated => WorkflowError::DomainDeprecated(name.into()),
                    RegistrationStatus::Registered => WorkflowError::DomainAlreadyExists(name.into()),
                });
            }
            d.info.status = to;
            Ok(())
        })
    }

    /// A domain's registration.
    pub fn describe_domain(&self, name: &str) -> Result<DomainInfo, WorkflowError> {
        self.with(|st, _| {
            st.domains.get(name).map(|d| d.info.clone()).ok_or_else(|| WorkflowError::UnknownResource(name.into()))
        })
    }

    /// The domains with `status`, by name.
    pub fn list_domains(&self, status: RegistrationStatus) -> Vec<DomainInfo> {
        self.with(|st, _| st.domains.values().filter(|d| d.info.status == status).map(|d| d.info.clone()).collect())
    }

    /// Registers a workflow type in `domain`.
    pub fn register_workflow_type(&self, domain: &str, config: WorkflowTypeConfig) -> Result<(), WorkflowError> {
        config.validate()?;
        self.with(|st, now| {
            let d = st.domain_mut(domain)?;
            if d.info.status == RegistrationStatus::Deprecated {
                return Err(WorkflowError::DomainDeprecated(domain.into()));
            }
            let ty = config.workflow_type.clone();
            if d.workflow_types.contains_key(&ty) {
                return Err(WorkflowError::TypeAlreadyExists(format!("workflow type {ty}")));
            }
            if d.workflow_types.len() + d.activity_types.len() >= MAX_TYPES_PER_DOMAIN {
                return Err(WorkflowError::LimitExceeded(format!("at most {MAX_TYPES_PER_DOMAIN} types")));
            }
            let info =
                TypeInfo { config, status: RegistrationStatus::Registered, creation_date: now, deprecation_date: None };
            d.workflow_types.insert(ty, info);
            Ok(())
        })
    }

    /// Registers an activity type in `domain`.
    pub fn register_activity_type(&self, domain: &str, config: ActivityTypeConfig) -> Result<(), WorkflowError> {
        config.validate()?;
        self.with(|st, now| {
            let d = st.domain_mut(domain)?;
            if d.info.status == RegistrationStatus::Deprecated {
                return Err(WorkflowError::DomainDeprecated(domain.into()));
            }
            let ty = config.activity_type.clone();
            if d.activity_types.contains_key(&ty) {
                return Err(WorkflowError::TypeAlreadyExists(format!("activity type {ty}")));
            }
            if d.workflow_types.len() + d.activity_types.len() >= MAX_TYPES_PER_DOMAIN {
                return Err(WorkflowError::LimitExceeded(format!("at most {MAX_TYPES_PER_DOMAIN} types")));
            }
            let info =
                TypeInfo { config, status: RegistrationStatus::Registered, creation_date: now, deprecation_date: None };
            d.activity_types.insert(ty, info);
            Ok(())
        })
    }

    /// Deprecates a workflow type: no new executions of it.
    pub fn deprecate_workflow_type(&self, domain: &str, ty: &WorkflowType) -> Result<(), WorkflowError> {
        self.with(|st, now| {
            set_status(&mut st.domain_mut(domain)?.workflow_types, ty, RegistrationStatus::Deprecated, now)
        })
    }

    /// Takes a workflow type's deprecation back (`TypeAlreadyExistsFault` if it is
    /// registered).
    pub fn undeprecate_workflow_type(&self, domain: &str, ty: &WorkflowType) -> Result<(), WorkflowError> {
        self.with(|st, now| {
            set_status(&mut st.domain_mut(domain)?.workflow_types, ty, RegistrationStatus::Registered, now)
        })
    }

    /// Deprecates an activity type: no new tasks of it.
    pub fn deprecate_activity_type(&self, domain: &str, ty: &ActivityType) -> Result<(), WorkflowError> {
        self.with(|st, now| {
            set_status(&mut st.domain_mut(domain)?.activity_types, ty, RegistrationStatus::Deprecated, now)
        })
    }

    /// Takes an activity type's deprecation back (`TypeAlreadyExistsFault` if it is
    /// registered).
    pub fn undeprecate_activity_type(&self, domain: &str, ty: &ActivityType) -> Result<(), WorkflowError> {
        self.with(|st, now| {
            set_status(&mut st.domain_mut(domain)?.activity_types, ty, RegistrationStatus::Registered, now)
        })
    }

    /// A workflow type's registration.
    pub fn describe_workflow_type(
        &self,
        domain: &str,
        ty: &WorkflowType,
    ) -> Result<TypeInfo<WorkflowTypeConfig>, WorkflowError> {
        self.with(|st, _| {
            let d = st.domain_mut(domain)?;
            d.workflow_types.get(ty).cloned().ok_or_else(|| WorkflowError::UnknownResource(ty.to_string()))
        })
    }

    /// An activity type's registration.
    pub fn describe_activity_type(
        &self,
        domain: &str,
        ty: &ActivityType,
    ) -> Result<TypeInfo<ActivityTypeConfig>, WorkflowError> {
        self.with(|st, _| {
            let d = st.domain_mut(domain)?;
            d.activity_types.get(ty).cloned().ok_or_else(|| WorkflowError::UnknownResource(ty.to_string()))
        })
    }

    /// The workflow types of `domain` with `status`, by name then version.
    pub fn list_workflow_types(
        &self,
        domain: &str,
        status: RegistrationStatus,
    ) -> Result<Vec<TypeInfo<WorkflowTypeConfig>>, WorkflowError> {
        self.with(|st, _| {
            let d = st.domain_mut(domain)?;
            Ok(d.workflow_types.values().filter(|t| t.status == status).cloned().collect())
        })
    }

    /// The activity types of `domain` with `status`, by name then version.
    pub fn list_activity_types(
        &self,
        domain: &str,
        status: RegistrationStatus,
    ) -> Result<Vec<TypeInfo<ActivityTypeConfig>>, WorkflowError> {
        self.with(|st, _| {
            let d = st.domain_mut(domain)?;
            Ok(d.activity_types.values().filter(|t| t.status == status).cloned().collect())
        })
    }
}
