//! Stage 2: the Bayesian network and exact inference.
//!
//! [`compile()`] turns a validated model into a discrete network; [`ve`] runs
//! variable elimination on any discrete network (also ones read from BIF,
//! XMLBIF or XDSL: [`bif`], [`xml`]).
//! Nothing here does IO or sees TOML.

pub mod bif;
pub mod calibrate;
mod compile;
pub mod factor;
pub mod graph;
pub mod incremental;
pub mod order;
mod plan;
pub mod query;
pub mod scaled;
pub mod ve;
pub mod xml;

pub use compile::{
    Compiled, ItemNodes, LikelihoodCache, Posterior, ReliabilityNode, compile, latent_levels,
};
pub use factor::{Factor, VarId};
pub use graph::{Network, Node};
pub use incremental::Incremental;
pub(crate) use plan::CompensatedSum;
// The most reports an item may have and still take the fast path (budgets
// price the generic engine's steps above it).
pub(crate) use plan::MAX_REPORTS as PLAN_MAX_REPORTS;
pub use ve::{InferError, Marginal, posterior};
