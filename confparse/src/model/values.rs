//! Typed values: BOOL, TIMER, numbers in ranges, addresses. (Being written.)
