//! Delivery retry schedules: the fixed one for queue subscriptions and the
//! configurable [`DeliveryPolicy`] of callback subscriptions.

use std::time::Duration;

use rand::Rng;

use super::TopicError;

/// A custom callback policy may spend at most this long retrying.
pub const MAX_DELIVERY_POLICY_TIME: Duration = Duration::from_secs(3_600);

/// A callback policy allows at most this many retries.
pub const MAX_DELIVERY_RETRIES: u32 = 100;

/// How the delays of the backoff phase grow from the minimum to the maximum delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackoffFunction {
    /// Equal steps.
    #[default]
    Linear,
    /// Steps that grow by a constant amount (the delays follow a parabola).
    Arithmetic,
    /// A constant ratio between consecutive delays.
    Geometric,
    /// Flat at first, then steeply up to the maximum.
    Exponential,
}

impl BackoffFunction {
    /// The fraction of the way from min to max delay at position `x` in `0..=1`.
    fn curve(self, x: f64, min: f64, max: f64) -> f64 {
        match self {
            BackoffFunction::Linear => min + (max - min) * x,
            BackoffFunction::Arithmetic => min + (max - min) * x * x,
            BackoffFunction::Geometric if min > 0.0 => min * (max / min).powf(x),
            BackoffFunction::Geometric => max * x,
            BackoffFunction::Exponential => min + (max - min) * ((2f64.powf(10.0 * x) - 1.0) / 1023.0),
        }
    }
}

/// When a failed delivery is tried again. Retries run in four phases: immediate
/// retries, retries at the minimum delay, a backoff phase that climbs from the minimum
/// to the maximum delay, and retries at the maximum delay. Backoff delays are jittered
/// (seeded) downwards, never outside `[min, max]`, so a policy never runs longer
/// than its nominal total.
///
/// The default is what HTTP-like endpoints get: 3 retries 20 s apart (4 tries).
///
/// ```
/// use localcloud::topic::{BackoffFunction, DeliveryPolicy};
/// use std::time::Duration;
/// let p = DeliveryPolicy::default();
/// assert_eq!(p.max_attempts(), 4);
/// assert_eq!(p.nominal_delay(1), Some(Duration::from_secs(20)));
/// let custom = DeliveryPolicy::default()
///     .num_retries(5).num_no_delay_retries(1)
///     .min_delay(Duration::from_secs(1)).max_delay(Duration::from_secs(60))
///     .backoff(BackoffFunction::Exponential);
/// assert_eq!(custom.nominal_delay(1), Some(Duration::ZERO));
/// assert_eq!(custom.nominal_delay(5), Some(Duration::from_secs(60)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeliveryPolicy {
    min_delay: Duration,
    max_delay: Duration,
    num_retries: u32,
    num_no_delay_retries: u32,
    num_min_delay_retries: u32,
    num_max_delay_retries: u32,
    backoff: BackoffFunction,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            min_delay: Duration::from_secs(20),
            max_delay: Duration::from_secs(20),
            num_retries: 3,
            num_no_delay_retries: 0,
            num_min_delay_retries: 0,
            num_max_delay_retries: 0,
            backoff: BackoffFunction::Linear,
        }
    }
}

impl DeliveryPolicy {
    /// The schedule of queue (and function) subscriptions for server-side errors: 3
    /// immediate tries, 2 at 1 s, 10 backing off from 1 to 20 s, then every 20 s:
    /// 100,015 tries over 23 days.
    pub(crate) fn queue() -> Self {
        DeliveryPolicy {
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
            num_retries: 100_014,
            num_no_delay_retries: 2,
            num_min_delay_retries: 2,
            num_max_delay_retries: 100_000,
            backoff: BackoffFunction::Geometric,
        }
    }

    /// Retries after the first try (0–100).
    pub fn num_retries(mut self, n: u32) -> Self {
        self.num_retries = n;
        self
    }

    /// How many of the retries happen at once.
    pub fn num_no_delay_retries(mut self, n: u32) -> Self {
        self.num_no_delay_retries = n;
        self
    }

    /// How many retries (after the immediate ones) wait the minimum delay.
    pub fn num_min_delay_retries(mut self, n: u32) -> Self {
        self.num_min_delay_retries = n;
        self
    }

    /// How many of the last retries wait the maximum delay.
    pub fn num_max_delay_retries(mut self, n: u32) -> Self {
        self.num_max_delay_retries = n;
        self
    }

    /// The minimum delay (at least 1 s).
    pub fn min_delay(mut self, d: Duration) -> Self {
        self.min_delay = d;
        self
    }

    /// The maximum delay (at least the minimum, at most 3,600 s).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The shape of the backoff phase.
    pub fn backoff(mut self, f: BackoffFunction) -> Self {
        self.backoff = f;
        self
    }

    /// Tries in all: the first plus the retries.
    pub fn max_attempts(&self) -> u32 {
        self.num_retries.saturating_add(1)
    }

    /// The delay before retry number `retry` (1-based) before jitter, or `None` past
    /// the last retry.
    pub fn nominal_delay(&self, retry: u32) -> Option<Duration> {
        self.delay_before(retry, 0.0)
    }

    /// The total time from the first try to the last, before jitter.
    pub fn total_time(&self) -> Duration {
        (1..=self.num_retries).filter_map(|r| self.nominal_delay(r)).sum()
    }

    /// The delay before retry `retry`, `jitter` in `[0, 1)` shortening backoff delays
    /// by up to a tenth (never below the minimum).
    fn delay_before(&self, retry: u32, jitter: f64) -> Option<Duration> {
        if retry == 0 || retry > self.num_retries {
            return None;
        }
        let min_phase = self.num_no_delay_retries + self.num_min_delay_retries;
        let backoff_len = self.num_retries.saturating_sub(min_phase + self.num_max_delay_retries);
        if retry <= self.num_no_delay_retries {
            return Some(Duration::ZERO);
        }
        if retry <= min_phase {
            return Some(self.min_delay);
        }
        if retry > min_phase + backoff_len {
            return Some(self.max_delay);
        }
        let i = retry - min_phase; // 1..=backoff_len
        let x = f64::from(i) / f64::from(backoff_len);
        let (min, max) = (self.min_delay.as_secs_f64(), self.max_delay.as_secs_f64());
        let d = self.backoff.curve(x, min, max).clamp(min, max);
        let d = (d * (1.0 - 0.1 * jitter)).max(min);
        // Whole milliseconds keep recorded times readable.
        Some(Duration::from_millis((d * 1000.0).round() as u64))
    }

    /// The jittered delay before retry `retry`.
    pub(crate) fn jittered_delay(&self, retry: u32, rng: &mut impl Rng) -> Option<Duration> {
        let j: f64 = rng.random();
        self.delay_before(retry, j)
    }

    pub(crate) fn validate(&self) -> Result<(), TopicError> {
        let bad = |m: String| Err(TopicError::invalid(format!("delivery policy: {m}")));
        if self.num_retries > MAX_DELIVERY_RETRIES {
            return bad(format!("num_retries is {}; at most {MAX_DELIVERY_RETRIES}", self.num_retries));
        }
        if self.min_delay < Duration::from_secs(1) {
            return bad(format!("min_delay is {:?}; at least 1 s", self.min_delay));
        }
        if self.max_delay < self.min_delay || self.max_delay > MAX_DELIVERY_POLICY_TIME {
            return bad(format!("max_delay is {:?}; it must be between min_delay and 3,600 s", self.max_delay));
        }
        let phases =
            self.num_no_delay_retries as u64 + self.num_min_delay_retries as u64 + self.num_max_delay_retries as u64;
        if phases > self.num_retries as u64 {
            return bad(format!(
                "the no-delay, min-delay and max-delay retries add up to {phases}, more than num_retries ({})",
                self.num_retries
            ));
        }
        let total = self.total_time();
        if total > MAX_DELIVERY_POLICY_TIME {
            return bad(format!("retries would take {} s; at most 3,600 s", total.as_secs()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_schedule_phases() {
        let p = DeliveryPolicy::queue();
        assert_eq!(p.max_attempts(), 100_015);
        let d = |r| p.nominal_delay(r).unwrap();
        assert_eq!((d(1), d(2)), (Duration::ZERO, Duration::ZERO));
        assert_eq!((d(3), d(4)), (Duration::from_secs(1), Duration::from_secs(1)));
        let backoff: Vec<Duration> = (5..=14).map(d).collect();
        assert!(backoff.windows(2).all(|w| w[0] < w[1]), "{backoff:?}");
        assert!(backoff[0] > Duration::from_secs(1) && backoff[9] == Duration::from_secs(20));
        assert_eq!((d(15), d(100_014)), (Duration::from_secs(20), Duration::from_secs(20)));
        assert_eq!(p.nominal_delay(100_015), None);
        let days = p.total_time().as_secs_f64() / 86_400.0;
        assert!((23.0..24.0).contains(&days), "{days}");
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = DeliveryPolicy::queue();
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(3);
        for r in 5..=14 {
            let j = p.jittered_delay(r, &mut rng).unwrap();
            let n = p.nominal_delay(r).unwrap();
            assert!(j <= n && j >= Duration::from_secs(1), "{r}: {j:?} vs {n:?}");
        }
    }

    #[test]
    fn custom_policy_limits() {
        assert!(DeliveryPolicy::default().validate().is_ok());
        assert!(DeliveryPolicy::default().num_retries(101).validate().is_err());
        let long = DeliveryPolicy::default().num_retries(100).max_delay(Duration::from_secs(3_600));
        assert!(long.validate().unwrap_err().to_string().contains("3,600"));
        assert!(DeliveryPolicy::default().min_delay(Duration::ZERO).validate().is_err());
        assert!(DeliveryPolicy::default().num_no_delay_retries(4).validate().is_err());
    }

    #[test]
    fn backoff_shapes_run_from_min_to_max() {
        for f in [
            BackoffFunction::Linear,
            BackoffFunction::Arithmetic,
            BackoffFunction::Geometric,
            BackoffFunction::Exponential,
        ] {
            assert!((f.curve(0.0, 2.0, 30.0) - 2.0).abs() < 1e-9, "{f:?}");
            assert!((f.curve(1.0, 2.0, 30.0) - 30.0).abs() < 1e-9, "{f:?}");
        }
    }
}
