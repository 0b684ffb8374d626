//! Per-checker timing settings and the seeded random source used for `warmup`.

use std::time::Duration;

/// keepalived's default `delay_loop` (60 s).
pub const DEFAULT_DELAY_LOOP: Duration = Duration::from_secs(60);
/// keepalived's default `connect_timeout` (5 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The resolved timing of one checker: the man page's generic checker options after the
/// checker / real_server / virtual_server inheritance has been applied by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timing {
    /// `delay_loop`: the interval between two complete checks.
    pub delay_loop: Duration,
    /// `retry`: how many extra attempts a failing check gets before it counts as a failure.
    pub retry: u32,
    /// `delay_before_retry`: the wait before each of those extra attempts.
    pub delay_before_retry: Duration,
    /// `warmup`: the first check starts at a random point in `[0, warmup]`; zero disables.
    pub warmup: Duration,
    /// `connect_timeout`: the bound on one whole attempt (connect, request, full response), so a
    /// server that trickles bytes (slowloris) cannot hold a check open for longer.
    pub connect_timeout: Duration,
    /// `alpha`: the checker starts in the failed state.
    pub alpha: bool,
    /// `log_all_failures`: report every failed attempt, not only transitions.
    pub log_all_failures: bool,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            delay_loop: DEFAULT_DELAY_LOOP,
            retry: 1,
            delay_before_retry: Duration::from_secs(1),
            warmup: DEFAULT_DELAY_LOOP,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            alpha: false,
            log_all_failures: false,
        }
    }
}

/// A small deterministic PRNG (SplitMix64). The caller injects the seed, so every run, and
/// every test, can be replayed exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration uniformly drawn from `[0, max]` at microsecond resolution.
    pub fn duration_up_to(&mut self, max: Duration) -> Duration {
        let us = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
        if us == 0 {
            return Duration::ZERO;
        }
        Duration::from_micros(self.next_u64() % (us.saturating_add(1).max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_replayable_and_bounded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let d = a.duration_up_to(Duration::from_secs(3));
            assert_eq!(d, b.duration_up_to(Duration::from_secs(3)));
            assert!(d <= Duration::from_secs(3));
        }
        assert_eq!(Rng::new(1).duration_up_to(Duration::ZERO), Duration::ZERO);
    }
}
