//! [`FunctionRuntime`]: the functions of a cloud, how they are created, changed,
//! versioned, limited and invoked by name.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::asynchronous::EventInvokeConfig;
use super::concurrency::{EnvironmentPool, Ledger, Slots};
use super::config::{
    check_alias_name, check_name, parse_target, FunctionConfig, Qualifier, VersionId, MIN_UNRESERVED_CONCURRENCY,
};
use super::context::Context;
use super::error::{FunctionError, HandlerError};
use super::invoke::{Invocation, InvokeOutput};
use super::versions::{AliasInfo, AliasRouting};
use super::{metrics, Core, Function, FunctionShared, FunctionState, HandlerFn, Permission, VersionData};
use crate::cloud::Cloud;

/// The functions of one cloud, by name (held as a per-cloud service).
#[derive(Default)]
pub(crate) struct FunctionRegistry {
    runtime: OnceLock<Arc<RuntimeShared>>,
}

impl crate::service::Service for FunctionRegistry {}

pub(crate) struct RuntimeShared {
    core: Arc<Core>,
    functions: RwLock<BTreeMap<String, Arc<FunctionShared>>>,
}

/// The function service of a cloud: creates, changes and invokes functions. Cheap to
/// clone; `Send + Sync`. Get it with [`Cloud::functions`].
#[derive(Clone)]
pub struct FunctionRuntime {
    shared: Arc<RuntimeShared>,
}

impl Cloud {
    /// The function service (Lambda) of this cloud.
    pub fn functions(&self) -> FunctionRuntime {
        let registry = self.service::<FunctionRegistry>();
        let shared = registry.runtime.get_or_init(|| {
            let manual = self.is_manual();
            Arc::new(RuntimeShared {
                core: Arc::new(Core {
                    cloud: self.downgrade(),
                    clock: self.clock(),
                    manual,
                    journal: self.journal_handle(),
                    account: self.account_id().to_owned(),
                    region: self.region().to_owned(),
                    ledger: Ledger::new(self.inner.function_concurrency),
                    id_base: self.rng_for("lambda:request-ids").next_u64(),
                    ids: AtomicU64::new(0),
                }),
                functions: RwLock::new(BTreeMap::new()),
            })
        });
        FunctionRuntime { shared: Arc::clone(shared) }
    }
}

impl Function {
    /// The function service this function belongs to (`None` once its cloud is gone),
    /// for callers that name the function by ARN at each invoke, as AWS's services do.
    pub(crate) fn runtime(&self) -> Option<FunctionRuntime> {
        self.shared.core.cloud.upgrade().map(|c| c.functions())
    }
}

impl FunctionRuntime {
    fn core(&self) -> &Arc<Core> {
        &self.shared.core
    }

    /// The cloud this runtime belongs to, if it is still alive (for event source mappings).
    pub(crate) fn cloud(&self) -> Option<Cloud> {
        self.shared.core.cloud.upgrade()
    }

    /// Creates a function running `handler` on the bytes of each event.
    ///
    /// Errors: `InvalidParameterValueException` for a bad name or setting,
    /// `ResourceConflictException` when the name is taken.
    pub fn create_function(
        &self,
        name: &str,
        config: FunctionConfig,
        handler: impl Fn(&Context, Bytes) -> Result<Bytes, HandlerError> + Send + Sync + 'static,
    ) -> Result<Function, FunctionError> {
        self.create(name, config, Arc::new(handler))
    }

    /// Creates a function whose handler takes and returns serde types: the event is
    /// decoded from JSON (an empty payload as `null`; a decode error is a function
    /// error of type `Runtime.UnmarshalError`) and the result encoded as JSON. A
    /// handler written for the `aws_lambda_events` types works unchanged.
    ///
    /// ```
    /// # use localcloud::{Cloud, FunctionConfig};
    /// #[derive(serde::Deserialize)]
    /// struct Order { qty: u32 }
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let f = cloud.functions().create_function_json("total", FunctionConfig::default(),
    ///     |_, o: Order| Ok(serde_json::json!({ "total": o.qty * 3 })))?;
    /// assert_eq!(f.invoke(r#"{"qty":2}"#)?.payload().as_ref(), br#"{"total":6}"#);
    /// assert_eq!(f.invoke("oops")?.error_type().as_deref(), Some("Runtime.UnmarshalError"));
    /// # Ok::<(), localcloud::FunctionError>(())
    /// ```
    pub fn create_function_json<E, R, F>(
        &self,
        name: &str,
        config: FunctionConfig,
        handler: F,
    ) -> Result<Function, FunctionError>
    where
        E: DeserializeOwned,
        R: Serialize,
        F: Fn(&Context, E) -> Result<R, HandlerError> + Send + Sync + 'static,
    {
        self.create(name, config, json_handler(handler))
    }

    fn create(&self, name: &str, config: FunctionConfig, handler: Arc<HandlerFn>) -> Result<Function, FunctionError> {
        check_name(name)?;
        config.validate()?;
        let Some(cloud) = self.core().cloud.upgrade() else {
            return Err(FunctionError::not_found("the cloud is gone"));
        };
        let mut functions = self.shared.functions.write();
        if functions.contains_key(name) {
            return Err(FunctionError::ResourceConflict(format!("function already exist: {name}")));
        }
        let arn: Arc<str> = cloud.arn("lambda", &format!("function:{name}")).into();
        let name_arc: Arc<str> = name.into();
        let latest = self.version_data(&name_arc, &arn, VersionId::Latest, 0, handler, config);
        let shared = Arc::new(FunctionShared {
            name: name_arc,
            arn,
            core: Arc::clone(self.core()),
            deleted: AtomicBool::new(false),
            latest: RwLock::new(Arc::new(latest)),
            state: Mutex::new(FunctionState {
                revision: 0,
                published: Vec::new(),
                retired: Vec::new(),
                aliases: BTreeMap::new(),
                policy: Vec::new(),
                event_config: EventInvokeConfig::default(),
            }),
            slots: Slots::default(),
            counters: metrics::Counters::default(),
            alias_rng: Mutex::new(cloud.rng_for(&format!("lambda:{name}:alias"))),
        });
        metrics::register(&cloud, &shared);
        functions.insert(name.to_owned(), Arc::clone(&shared));
        Ok(Function { shared, qualifier: Qualifier::Unqualified })
    }

    fn version_data(
        &self,
        name: &Arc<str>,
        arn: &Arc<str>,
        id: VersionId,
        revision: u64,
        handler: Arc<HandlerFn>,
        config: FunctionConfig,
    ) -> VersionData {
        VersionData {
            id,
            revision,
            name: Arc::clone(name),
            arn: Arc::clone(arn),
            handler,
            env: Arc::new(config.env.clone()),
            config,
            envs: EnvironmentPool::default(),
            core: Arc::clone(self.core()),
        }
    }

    fn get(&self, name: &str) -> Result<Arc<FunctionShared>, FunctionError> {
        self.shared
            .functions
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| FunctionError::not_found(format!("function not found: {}", self.arn_of(name))))
    }

    fn arn_of(&self, name: &str) -> String {
        format!("arn:aws:lambda:{}:{}:function:{name}", self.core().region, self.core().account)
    }

    /// The function named by `target` (`name`, `name:qualifier` or an ARN), as a
    /// handle bound to that qualifier.
    ///
    /// Errors: `InvalidParameterValueException` for a malformed target,
    /// `ResourceNotFoundException` when the function or qualifier does not exist.
    pub fn function(&self, target: &str) -> Result<Function, FunctionError> {
        let (name, qualifier) = parse_target(target)?;
        let shared = self.get(name)?;
        shared.version_for_qualifier(&qualifier)?;
        Ok(Function { shared, qualifier })
    }

    /// Every function, sorted by name.
    pub fn list_functions(&self) -> Vec<Function> {
        self.shared
            .functions
            .read()
            .values()
            .map(|s| Function { shared: Arc::clone(s), qualifier: Qualifier::Unqualified })
            .collect()
    }

    /// Deletes a function with its versions and aliases; its handles then fail with
    /// `ResourceNotFoundException`, and its queued events are dropped.
    pub fn delete_function(&self, name: &str) -> Result<(), FunctionError> {
        check_name(name)?;
        let f = self.shared.functions.write().remove(name);
        let f = f.ok_or_else(|| FunctionError::not_found(format!("function not found: {}", self.arn_of(name))))?;
        f.deleted.store(true, Ordering::Release);
        let _ = self.core().ledger.reserve(&f.slots, None, MIN_UNRESERVED_CONCURRENCY);
        if let Some(cloud) = self.core().cloud.upgrade() {
            cloud.metrics().unregister(metrics::NAMESPACE, name);
        }
        Ok(())
    }

    /// Invokes the function named by `target` (`name`, `name:3`, `name:prod`,
    /// `name:$LATEST` or an ARN).
    ///
    /// Errors: `InvalidParameterValueException`, `ResourceNotFoundException`,
    /// `RequestTooLargeException` (6 MB sync, 1 MB async), `AccessDeniedException`
    /// (a principal the resource policy does not allow), `TooManyRequestsException`
    /// (sync only; an async event waits instead).
    pub fn invoke(&self, target: &str, invocation: Invocation) -> Result<InvokeOutput, FunctionError> {
        let (name, qualifier) = parse_target(target)?;
        self.get(name)?.invoke(&qualifier, invocation)
    }

    /// Replaces the code of `$LATEST` (published versions keep theirs). Its
    /// execution environments start afresh.
    pub fn update_function_code(
        &self,
        name: &str,
        handler: impl Fn(&Context, Bytes) -> Result<Bytes, HandlerError> + Send + Sync + 'static,
    ) -> Result<(), FunctionError> {
        self.update(name, |_| Ok((Some(Arc::new(handler) as Arc<HandlerFn>), None)))
    }

    /// Replaces the configuration of `$LATEST`.
    pub fn update_function_configuration(&self, name: &str, config: FunctionConfig) -> Result<(), FunctionError> {
        config.validate()?;
        self.update(name, |_| Ok((None, Some(config))))
    }

    #[allow(clippy::type_complexity)]
    fn update(
        &self,
        name: &str,
        change: impl FnOnce(&VersionData) -> Result<(Option<Arc<HandlerFn>>, Option<FunctionConfig>), FunctionError>,
    ) -> Result<(), FunctionError> {
        let f = self.get(name)?;
        let mut st = f.state.lock();
        let mut latest = f.latest.write();
        let (handler, config) = change(&latest)?;
        st.revision += 1;
        let v = self.version_data(
            &f.name,
            &f.arn,
            VersionId::Latest,
            st.revision,
            handler.unwrap_or_else(|| Arc::clone(&latest.handler)),
            config.unwrap_or_else(|| latest.config.clone()),
        );
        let old = std::mem::replace(&mut *latest, Arc::new(v));
        st.retired.push(old);
        Ok(())
    }

    /// The configuration of `$LATEST`.
    pub fn function_configuration(&self, name: &str) -> Result<FunctionConfig, FunctionError> {
        Ok(self.get(name)?.latest.read().config.clone())
    }

    /// Publishes `$LATEST` as the next version (1, 2, …). Publishing again with no
    /// change since returns the last version.
    pub fn publish_version(&self, name: &str) -> Result<VersionId, FunctionError> {
        self.get(name)?.publish()
    }

    /// `$LATEST` and the published versions, in order.
    pub fn list_versions(&self, name: &str) -> Result<Vec<VersionId>, FunctionError> {
        let f = self.get(name)?;
        let st = f.state.lock();
        Ok(std::iter::once(VersionId::Latest).chain(st.published.iter().map(|v| v.id)).collect())
    }

    /// Creates alias `alias` of `name` pointing at `version` (`"$LATEST"` or a number),
    /// with optional weighted routing to one other published version.
    ///
    /// Errors: `InvalidParameterValueException` (bad name, weight, or routing),
    /// `ResourceNotFoundException` (no such version), `ResourceConflictException`
    /// (the alias exists).
    pub fn create_alias(
        &self,
        name: &str,
        alias: &str,
        version: &str,
        routing: AliasRouting,
    ) -> Result<AliasInfo, FunctionError> {
        self.get(name)?.put_alias(alias, version, &routing, true)
    }

    /// Points an existing alias elsewhere.
    pub fn update_alias(
        &self,
        name: &str,
        alias: &str,
        version: &str,
        routing: AliasRouting,
    ) -> Result<AliasInfo, FunctionError> {
        self.get(name)?.put_alias(alias, version, &routing, false)
    }

    /// Deletes an alias.
    pub fn delete_alias(&self, name: &str, alias: &str) -> Result<(), FunctionError> {
        check_alias_name(alias)?;
        let f = self.get(name)?;
        let removed = f.state.lock().aliases.remove(alias);
        removed.map(|_| ()).ok_or_else(|| f.qualifier_not_found(alias))
    }

    /// An alias' version and routing.
    pub fn alias(&self, name: &str, alias: &str) -> Result<AliasInfo, FunctionError> {
        let f = self.get(name)?;
        let st = f.state.lock();
        st.aliases.get(alias).map(|a| f.alias_info(alias, a)).ok_or_else(|| f.qualifier_not_found(alias))
    }

    /// Every alias of a function, sorted by name.
    pub fn list_aliases(&self, name: &str) -> Result<Vec<AliasInfo>, FunctionError> {
        let f = self.get(name)?;
        let st = f.state.lock();
        Ok(st.aliases.iter().map(|(n, a)| f.alias_info(n, a)).collect())
    }

    /// Reserves `n` concurrent runs for a function: at most `n` of its runs at once
    /// (0 throttles every invoke), taken from the account's pool, of which at least
    /// 100 stay unreserved.
    ///
    /// Errors: `InvalidParameterValueException` when fewer than 100 would stay
    /// unreserved.
    pub fn put_function_concurrency(&self, name: &str, n: u32) -> Result<(), FunctionError> {
        let f = self.get(name)?;
        self.core().ledger.reserve(&f.slots, Some(n), MIN_UNRESERVED_CONCURRENCY).map_err(|max| {
            FunctionError::invalid(format!(
                "specified reserved concurrent executions {n} for the function decreases the account's unreserved concurrent executions below its minimum value of {MIN_UNRESERVED_CONCURRENCY} (at most {max} allowed)"
            ))
        })
    }

    /// Removes a function's reservation: it draws from the unreserved pool again.
    pub fn delete_function_concurrency(&self, name: &str) -> Result<(), FunctionError> {
        let f = self.get(name)?;
        let _ = self.core().ledger.reserve(&f.slots, None, MIN_UNRESERVED_CONCURRENCY);
        Ok(())
    }

    /// A function's reserved concurrency, if any.
    pub fn function_concurrency(&self, name: &str) -> Result<Option<u32>, FunctionError> {
        Ok(self.get(name)?.slots.reserved())
    }

    /// The account's concurrency limit (see
    /// [`CloudBuilder::function_concurrency_limit`](crate::CloudBuilder::function_concurrency_limit)).
    pub fn account_concurrency_limit(&self) -> u32 {
        self.core().ledger.limit()
    }

    /// The account's limit minus every reservation.
    pub fn unreserved_concurrency_limit(&self) -> u32 {
        self.core().ledger.unreserved_limit()
    }

    /// Sets how a function treats asynchronous invokes: retries, event age,
    /// destinations.
    pub fn put_function_event_invoke_config(&self, name: &str, config: EventInvokeConfig) -> Result<(), FunctionError> {
        config.validate()?;
        self.get(name)?.state.lock().event_config = config;
        Ok(())
    }

    /// How a function treats asynchronous invokes.
    pub fn function_event_invoke_config(&self, name: &str) -> Result<EventInvokeConfig, FunctionError> {
        Ok(self.get(name)?.state.lock().event_config.clone())
    }

    /// Adds a statement to a function's resource policy.
    ///
    /// Errors: `InvalidParameterValueException` (bad statement id),
    /// `ResourceConflictException` (the statement id is taken).
    pub fn add_permission(&self, name: &str, permission: Permission) -> Result<(), FunctionError> {
        permission.validate()?;
        let f = self.get(name)?;
        let mut st = f.state.lock();
        if st.policy.iter().any(|p| p.sid == permission.sid) {
            return Err(FunctionError::ResourceConflict(format!(
                "the statement id {:?} already exists",
                permission.sid
            )));
        }
        st.policy.push(permission);
        Ok(())
    }

    /// Removes a statement from a function's resource policy.
    pub fn remove_permission(&self, name: &str, statement_id: &str) -> Result<(), FunctionError> {
        let f = self.get(name)?;
        let mut st = f.state.lock();
        let before = st.policy.len();
        st.policy.retain(|p| p.sid != statement_id);
        if st.policy.len() == before {
            return Err(FunctionError::not_found(format!("no policy statement {statement_id:?} on {}", f.arn)));
        }
        Ok(())
    }

    /// A function's resource policy.
    pub fn policy(&self, name: &str) -> Result<Vec<Permission>, FunctionError> {
        Ok(self.get(name)?.state.lock().policy.clone())
    }
}

fn json_handler<E, R, F>(handler: F) -> Arc<HandlerFn>
where
    E: DeserializeOwned,
    R: Serialize,
    F: Fn(&Context, E) -> Result<R, HandlerError> + Send + Sync + 'static,
{
    Arc::new(move |ctx: &Context, payload: Bytes| {
        let input: &[u8] = if payload.is_empty() { b"null" } else { &payload };
        let event: E =
            serde_json::from_slice(input).map_err(|e| HandlerError::new("Runtime.UnmarshalError", e.to_string()))?;
        let out = handler(ctx, event)?;
        serde_json::to_vec(&out).map(Bytes::from).map_err(|e| HandlerError::new("Runtime.MarshalError", e.to_string()))
    })
}

impl fmt::Debug for FunctionRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionRuntime")
            .field("functions", &self.shared.functions.read().len())
            .field("core", &self.shared.core)
            .finish()
    }
}
