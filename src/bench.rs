//! `dlr bench`: per-step cost of every optimizer at several hidden sizes.
//! (Being written.)
