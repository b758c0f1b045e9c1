//! The two verbs every Huaxiang model speaks, in linfa's manner: parameters are a plain value
//! that is *checked* before any work ([`CheckParams`]), fitting turns checked parameters and a
//! [`Dataset`] into a model ([`Fit`]), and a model turns a dataset into an output ([`Predict`]):
//! probabilities for a classifier, cluster ids for a clustering.
//!
//! Errors are associated types so each crate keeps its own error enum.

use crate::dataset::Dataset;

/// Parameters that can say whether they are usable before a fit starts.
pub trait CheckParams {
    type Error;
    /// `Ok` when every parameter is in range; otherwise the first bad one, named.
    fn check(&self) -> Result<(), Self::Error>;
}

/// Learning a model from a dataset.
pub trait Fit {
    type Model;
    type Error;
    /// Checks the parameters, then fits. Implementations must not read labels they were not
    /// meant to (an unsupervised fit ignores them).
    fn fit(&self, data: &Dataset) -> Result<Self::Model, Self::Error>;
}

/// Applying a fitted model to a dataset whose columns are matched *by name*.
pub trait Predict {
    type Output;
    type Error;
    fn predict(&self, data: &Dataset) -> Result<Self::Output, Self::Error>;
}
