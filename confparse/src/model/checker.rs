//! Checker blocks of `real_server`. (Being written.)
