//! The `SSL` block. (Being written.)
