//! Policy rules: caps and required timeouts from `.cutoff.yaml`'s `policy:`, checked
//! against the effective timeout the model computes for every object of every family.

use super::Rule;

pub static RULES: &[&Rule] = &[];
