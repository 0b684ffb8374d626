//! FILE_CHECK: a tracked file's integer value turned into up/down and a weight.
//!
//! keepalived 2.2.7 (`process_update_checker_track_file_status`): with `weight 0` a value of 0
//! is up and anything else is fault (inverted by `reverse`); with a non-zero weight the value
//! times the weight (negated by `reverse`) is added to the real server's weight, and only a
//! product at or below `-2^31` means fault.

/// The fault threshold of keepalived (`IPVS_WEIGHT_FAULT`).
pub const WEIGHT_FAULT: i64 = -(i32::MAX as i64) - 1;

/// The settings of a `FILE_CHECK`, with the `track_file`'s defaults already applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileConfig {
    /// `track_file`: the tracked file's name (the caller reads it and routes values here).
    pub track_file: String,
    /// `weight`: the multiplier of the value.
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
    /// `dynamic` (after keepalived 2.2.7): accepted; 2.2.7 always applies a non-zero weight.
    pub dynamic: bool,
}

impl FileConfig {
    /// Up/down and the weight contribution for a file value.
    pub fn evaluate(&self, value: i64) -> (bool, i64) {
        if self.weight == 0 {
            let fault = (value != 0) != self.reverse;
            return (!fault, 0);
        }
        let sign = if self.reverse { -1 } else { 1 };
        let w = (value as i128) * (self.weight as i128) * sign;
        if w <= WEIGHT_FAULT as i128 {
            (false, 0)
        } else {
            (true, w.min(i32::MAX as i128) as i64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(weight: i32, reverse: bool) -> FileConfig {
        FileConfig {
            track_file: "f".into(),
            weight,
            reverse,
            dynamic: false,
        }
    }

    #[test]
    fn zero_weight_is_boolean() {
        assert_eq!(cfg(0, false).evaluate(0), (true, 0));
        assert_eq!(cfg(0, false).evaluate(3), (false, 0));
        assert_eq!(cfg(0, true).evaluate(0), (false, 0));
        assert_eq!(cfg(0, true).evaluate(3), (true, 0));
    }

    #[test]
    fn weight_multiplies_and_reverse_negates() {
        assert_eq!(cfg(5, false).evaluate(3), (true, 15));
        assert_eq!(cfg(5, true).evaluate(3), (true, -15));
        assert_eq!(cfg(2, true).evaluate(i64::from(i32::MAX)), (false, 0));
        assert_eq!(
            cfg(1, false).evaluate(i64::MAX),
            (true, i64::from(i32::MAX))
        );
    }
}
