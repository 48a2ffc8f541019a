//! Versions (`$LATEST` and published numbers) and aliases with weighted routing.

use std::sync::Arc;

use rand::Rng;

use super::concurrency::EnvironmentPool;
use super::config::{check_alias_name, Qualifier, VersionId};
use super::error::FunctionError;
use super::{FunctionShared, FunctionState, VersionData};

/// An alias' routing: to its version only, or also to one other version with a
/// weight (0.0–1.0), both published.
///
/// ```
/// use localcloud::function::AliasRouting;
/// let r = AliasRouting::weights([("2", 0.1)]);
/// # let _ = (r, AliasRouting::none());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AliasRouting {
    extra: Vec<(String, f64)>,
}

impl AliasRouting {
    /// All traffic to the alias' version.
    pub fn none() -> Self {
        AliasRouting::default()
    }

    /// Extra versions and their weights; AWS allows exactly one.
    pub fn weights<S: Into<String>>(w: impl IntoIterator<Item = (S, f64)>) -> Self {
        AliasRouting { extra: w.into_iter().map(|(v, w)| (v.into(), w)).collect() }
    }
}

/// An alias as stored.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Alias {
    pub(crate) version: VersionId,
    pub(crate) routing: Option<(VersionId, f64)>,
}

/// What [`FunctionRuntime::create_alias`](super::FunctionRuntime::create_alias)
/// returns and [`FunctionRuntime::alias`](super::FunctionRuntime::alias) reads.
#[derive(Clone, Debug, PartialEq)]
pub struct AliasInfo {
    /// The alias' name.
    pub name: String,
    /// Its ARN (the function's ARN and the alias name).
    pub arn: String,
    /// The version it points at.
    pub version: VersionId,
    /// The extra version and its weight, if any.
    pub routing: Option<(VersionId, f64)>,
}

impl FunctionShared {
    pub(crate) fn qualifier_not_found(&self, q: &str) -> FunctionError {
        FunctionError::not_found(format!("function not found: {}:{q}", self.arn))
    }

    pub(crate) fn version_in(&self, st: &FunctionState, v: VersionId) -> Result<Arc<VersionData>, FunctionError> {
        match v {
            VersionId::Latest => Ok(Arc::clone(&self.latest.read())),
            VersionId::Number(n) => {
                st.published.get(n as usize - 1).cloned().ok_or_else(|| self.qualifier_not_found(&n.to_string()))
            }
        }
    }

    /// The version an invoke runs: `$LATEST`, a published one, or an alias' pick
    /// (the weighted draw comes from the cloud's seed).
    #[inline]
    pub(crate) fn resolve(&self, q: &Qualifier) -> Result<Arc<VersionData>, FunctionError> {
        match q {
            Qualifier::Unqualified | Qualifier::Version(VersionId::Latest) => Ok(Arc::clone(&self.latest.read())),
            Qualifier::Version(v) => self.version_in(&self.state.lock(), *v),
            Qualifier::Alias(a) => {
                let st = self.state.lock();
                let alias = st.aliases.get(a).ok_or_else(|| self.qualifier_not_found(a))?;
                let v = match alias.routing {
                    Some((extra, w)) if self.alias_rng.lock().random::<f64>() < w => extra,
                    _ => alias.version,
                };
                self.version_in(&st, v)
            }
        }
    }

    /// Publishes `$LATEST` as the next version, or returns the last one when nothing
    /// changed since.
    pub(crate) fn publish(&self) -> Result<VersionId, FunctionError> {
        self.check_alive()?;
        let mut st = self.state.lock();
        let latest = Arc::clone(&self.latest.read());
        if let Some(last) = st.published.last() {
            if last.revision == latest.revision {
                return Ok(last.id);
            }
        }
        let n = u32::try_from(st.published.len() + 1).unwrap_or(u32::MAX);
        let v = VersionData {
            id: VersionId::Number(n),
            revision: latest.revision,
            name: Arc::clone(&latest.name),
            arn: Arc::clone(&latest.arn),
            handler: Arc::clone(&latest.handler),
            config: latest.config.clone(),
            env: Arc::clone(&latest.env),
            envs: EnvironmentPool::default(),
            core: Arc::clone(&latest.core),
        };
        st.published.push(Arc::new(v));
        Ok(VersionId::Number(n))
    }

    fn parse_alias_target(
        &self,
        st: &FunctionState,
        version: &str,
        routing: &AliasRouting,
    ) -> Result<super::versions::Alias, FunctionError> {
        let v = VersionId::parse(version).ok_or_else(|| {
            FunctionError::invalid(format!("function version {version:?} must be $LATEST or a number"))
        })?;
        self.version_in(st, v)?;
        let routing = match routing.extra.as_slice() {
            [] => None,
            [(extra, w)] => {
                let e = match VersionId::parse(extra) {
                    Some(VersionId::Number(n)) => VersionId::Number(n),
                    _ => return Err(FunctionError::invalid("a routing version must be a published version")),
                };
                if !(0.0..=1.0).contains(w) || w.is_nan() {
                    return Err(FunctionError::invalid(format!("routing weight {w} must be 0.0 to 1.0")));
                }
                if v == VersionId::Latest {
                    return Err(FunctionError::invalid("an alias with routing must point at a published version"));
                }
                if e == v {
                    return Err(FunctionError::invalid("the routing version must differ from the alias' version"));
                }
                self.version_in(st, e)?;
                Some((e, *w))
            }
            _ => return Err(FunctionError::invalid("an alias routes to at most one extra version")),
        };
        Ok(Alias { version: v, routing })
    }

    pub(crate) fn put_alias(
        &self,
        name: &str,
        version: &str,
        routing: &AliasRouting,
        create: bool,
    ) -> Result<AliasInfo, FunctionError> {
        self.check_alive()?;
        check_alias_name(name)?;
        let mut st = self.state.lock();
        let alias = self.parse_alias_target(&st, version, routing)?;
        match (create, st.aliases.contains_key(name)) {
            (true, true) => {
                return Err(FunctionError::ResourceConflict(format!("alias already exists: {}:{name}", self.arn)))
            }
            (false, false) => return Err(self.qualifier_not_found(name)),
            _ => {}
        }
        st.aliases.insert(name.to_owned(), alias.clone());
        Ok(self.alias_info(name, &alias))
    }

    pub(crate) fn alias_info(&self, name: &str, a: &Alias) -> AliasInfo {
        AliasInfo { name: name.to_owned(), arn: format!("{}:{name}", self.arn), version: a.version, routing: a.routing }
    }
}
