//! [`FunctionConfig`] and the limits and name rules of SPEC §4.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::context::InitContext;
use super::destination::Destination;
use super::error::{FunctionError, HandlerError};

/// Shortest function timeout.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest function timeout (15 minutes).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(900);
/// Default function timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Smallest memory size, MB.
pub const MIN_MEMORY_MB: u32 = 128;
/// Largest memory size, MB.
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Largest payload of a synchronous invoke, each way (6 MB).
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest payload of an asynchronous invoke (1 MB).
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;
/// Longest function name.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest alias name.
pub const MAX_ALIAS_CHARS: usize = 128;
/// Default account concurrency limit.
pub const DEFAULT_ACCOUNT_CONCURRENCY: u32 = 1_000;
/// Concurrency that reserved concurrency can never take from the account.
pub const MIN_UNRESERVED_CONCURRENCY: u32 = 100;
/// How long an idle execution environment is kept by default before it is reclaimed.
pub const DEFAULT_ENVIRONMENT_IDLE_LIFETIME: Duration = Duration::from_secs(600);

/// The init closure of a function: runs once per execution environment (cold start).
pub(crate) type InitFn = dyn Fn(&InitContext) -> Result<(), HandlerError> + Send + Sync;

/// A function's settings: timeout, memory, init (cold start), environment variables,
/// dead-letter target, how long idle environments live. Validated at creation.
///
/// ```
/// use localcloud::FunctionConfig;
/// use std::time::Duration;
/// let cfg = FunctionConfig::default()
///     .timeout(Duration::from_secs(10))
///     .memory_mb(512)
///     .init_duration(Duration::from_millis(250))
///     .env("TABLE", "orders");
/// assert_eq!(cfg.timeout_value(), Duration::from_secs(10));
/// ```
#[derive(Clone)]
pub struct FunctionConfig {
    pub(crate) timeout: Duration,
    pub(crate) memory_mb: u32,
    pub(crate) init: Option<Arc<InitFn>>,
    pub(crate) init_duration: Duration,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) description: String,
    pub(crate) dead_letter: Option<Destination>,
    pub(crate) idle_lifetime: Duration,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            timeout: DEFAULT_TIMEOUT,
            memory_mb: MIN_MEMORY_MB,
            init: None,
            init_duration: Duration::ZERO,
            env: BTreeMap::new(),
            description: String::new(),
            dead_letter: None,
            idle_lifetime: DEFAULT_ENVIRONMENT_IDLE_LIFETIME,
        }
    }
}

impl fmt::Debug for FunctionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionConfig")
            .field("timeout", &self.timeout)
            .field("memory_mb", &self.memory_mb)
            .field("init", &self.init.is_some())
            .field("init_duration", &self.init_duration)
            .field("env", &self.env)
            .field("description", &self.description)
            .field("dead_letter", &self.dead_letter)
            .field("idle_lifetime", &self.idle_lifetime)
            .finish()
    }
}

impl FunctionConfig {
    /// How long a run may take: 1–900 s in whole seconds, default 3 s.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Memory, 128–10,240 MB, default 128: reported in the context and used for
    /// GB-seconds.
    pub fn memory_mb(mut self, mb: u32) -> Self {
        self.memory_mb = mb;
        self
    }

    /// Code run once per execution environment before its first invoke (a cold start).
    /// An error fails that invoke with errorType `Runtime.InitError`; the environment is
    /// discarded.
    pub fn init(mut self, f: impl Fn(&InitContext) -> Result<(), HandlerError> + Send + Sync + 'static) -> Self {
        self.init = Some(Arc::new(f));
        self
    }

    /// The virtual time a cold start takes (reported as `init_duration`), default 0.
    pub fn init_duration(mut self, d: Duration) -> Self {
        self.init_duration = d;
        self
    }

    /// Sets an environment variable, read by the handler through
    /// [`Context::env`](super::Context::env).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// A description (0–256 characters).
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// The dead-letter target of asynchronous invokes that fail when no on-failure
    /// destination is set: a queue or a topic, which receives the raw event.
    pub fn dead_letter(mut self, target: Destination) -> Self {
        self.dead_letter = Some(target);
        self
    }

    /// How long an idle execution environment lives before it is reclaimed (default
    /// 10 minutes); the next invoke after that is a cold start.
    pub fn environment_idle_lifetime(mut self, d: Duration) -> Self {
        self.idle_lifetime = d;
        self
    }

    /// The configured timeout.
    pub fn timeout_value(&self) -> Duration {
        self.timeout
    }

    /// The configured memory, MB.
    pub fn memory_value(&self) -> u32 {
        self.memory_mb
    }

    /// The environment variables.
    pub fn env_values(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// Removes every environment variable (to set a new set with [`env`](FunctionConfig::env)).
    pub fn clear_env(mut self) -> Self {
        self.env.clear();
        self
    }

    /// The description.
    pub fn description_value(&self) -> &str {
        &self.description
    }

    /// The dead-letter target, if any.
    pub fn dead_letter_value(&self) -> Option<&Destination> {
        self.dead_letter.as_ref()
    }

    pub(crate) fn validate(&self) -> Result<(), FunctionError> {
        if self.timeout < MIN_TIMEOUT || self.timeout > MAX_TIMEOUT || self.timeout.subsec_nanos() != 0 {
            return Err(FunctionError::invalid(format!(
                "timeout must be 1 to 900 whole seconds, got {:?}",
                self.timeout
            )));
        }
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&self.memory_mb) {
            return Err(FunctionError::invalid(format!("memory size must be 128 to 10240 MB, got {}", self.memory_mb)));
        }
        if self.init_duration > MAX_INIT_DURATION {
            return Err(FunctionError::invalid(format!(
                "init duration must be at most 10 s (the init phase's limit), got {:?}",
                self.init_duration
            )));
        }
        if self.description.chars().count() > 256 {
            return Err(FunctionError::invalid("description must be at most 256 characters"));
        }
        if let Some(d) = &self.dead_letter {
            if matches!(d, Destination::Function(_)) {
                return Err(FunctionError::invalid("a dead-letter target must be a queue or a topic"));
            }
        }
        Ok(())
    }
}

/// The longest a cold start's init phase may take.
pub const MAX_INIT_DURATION: Duration = Duration::from_secs(10);

/// Checks a function name: 1–64 of `[A-Za-z0-9_-]`.
pub(crate) fn check_name(name: &str) -> Result<(), FunctionError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(FunctionError::invalid(format!("function name {name:?} must be 1 to 64 of [A-Za-z0-9_-]")))
    }
}

/// Checks an alias name: 1–128 of `[A-Za-z0-9_-]`, not all digits.
pub(crate) fn check_alias_name(name: &str) -> Result<(), FunctionError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_ALIAS_CHARS
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(FunctionError::invalid(format!("alias name {name:?} must be 1 to 128 of [A-Za-z0-9_-] and not all digits")))
    }
}

/// A version of a function: `$LATEST` or a published number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VersionId {
    /// The unpublished, mutable version.
    Latest,
    /// A published, immutable version (1, 2, …).
    Number(u32),
}

impl VersionId {
    /// Parses `$LATEST` or a positive number.
    pub fn parse(s: &str) -> Option<VersionId> {
        if s == "$LATEST" {
            return Some(VersionId::Latest);
        }
        if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok().filter(|&n| n > 0).map(VersionId::Number)
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionId::Latest => f.write_str("$LATEST"),
            VersionId::Number(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Debug for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VersionId({self})")
    }
}

/// What follows the name: nothing, a version or an alias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Qualifier {
    Unqualified,
    Version(VersionId),
    Alias(String),
}

/// Splits `name`, `name:qualifier`, `arn:aws:lambda:region:account:function:name[:q]`
/// or `account:function:name[:q]` into the name and its qualifier.
pub(crate) fn parse_target(target: &str) -> Result<(&str, Qualifier), FunctionError> {
    let rest = if let Some(arn) = target.strip_prefix("arn:") {
        let parts: Vec<&str> = arn.splitn(5, ':').collect();
        if parts.len() != 5 || parts[1] != "lambda" || !parts[4].starts_with("function:") {
            return Err(FunctionError::invalid(format!("{target:?} is not a function ARN")));
        }
        &parts[4]["function:".len()..]
    } else if let Some((account, rest)) = target.split_once(":function:") {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FunctionError::invalid(format!("{target:?} is not a function name or ARN")));
        }
        rest
    } else {
        target
    };
    let (name, q) = match rest.split_once(':') {
        None => (rest, Qualifier::Unqualified),
        Some((name, q)) => {
            if let Some(v) = VersionId::parse(q) {
                (name, Qualifier::Version(v))
            } else {
                check_alias_name(q)?;
                (name, Qualifier::Alias(q.to_owned()))
            }
        }
    };
    check_name(name)?;
    Ok((name, q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(parse_target("f").unwrap(), ("f", Qualifier::Unqualified));
        assert_eq!(parse_target("f:3").unwrap(), ("f", Qualifier::Version(VersionId::Number(3))));
        assert_eq!(parse_target("f:$LATEST").unwrap(), ("f", Qualifier::Version(VersionId::Latest)));
        assert_eq!(parse_target("f:prod").unwrap(), ("f", Qualifier::Alias("prod".into())));
        assert_eq!(
            parse_target("arn:aws:lambda:us-east-1:000000000000:function:f:prod").unwrap(),
            ("f", Qualifier::Alias("prod".into()))
        );
        assert_eq!(parse_target("000000000000:function:f").unwrap(), ("f", Qualifier::Unqualified));
        assert!(parse_target("").is_err());
        assert!(parse_target("f:").is_err());
        assert!(parse_target("f:0").is_err());
        assert!(parse_target("a/b").is_err());
        assert!(parse_target("arn:aws:sqs:us-east-1:000000000000:q").is_err());
    }

    #[test]
    fn alias_names() {
        assert!(check_alias_name("prod").is_ok());
        assert!(check_alias_name("v2-live").is_ok());
        assert!(check_alias_name("123").is_err());
        assert!(check_alias_name(&"a".repeat(129)).is_err());
    }
}
