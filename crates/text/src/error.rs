//! Errors: one enum for the whole crate. Every variant names what was wrong and the value
//! given, so that a message shown in a CLI or log line can be acted on without the code.

use thiserror::Error;

/// Everything that can go wrong in `huaxiang-text`. Analysis of text itself never fails:
/// parameters are checked up front (`validate()`), and only files, dictionaries, taxonomies,
/// models and training data given by the caller can be rejected.
#[derive(Debug, Error)]
pub enum Error {
    /// A file (user dictionary, taxonomy, model) could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A user dictionary line is not `word [freq [tag]]`.
    #[error("invalid user dictionary: {0}")]
    UserDict(String),
    /// A taxonomy TOML could not be parsed or is inconsistent.
    #[error("invalid taxonomy: {0}")]
    Taxonomy(String),
    /// A parameter is out of range.
    #[error("invalid parameter {name} = {value}: {expected}")]
    Param {
        /// The parameter's name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
    /// Training or evaluation data cannot be used (length mismatch, too few classes…).
    #[error("invalid data: {0}")]
    Data(String),
    /// A serialized model could not be read or written.
    #[error("invalid model: {0}")]
    Model(String),
    /// The sentence-embedding model (feature `embeddings`) could not be found or loaded: a
    /// directory without one of its files, an unreadable config, tokenizer or weights file.
    #[error("embedding model {dir}: {problem}")]
    EmbeddingModel {
        /// The model directory (or what was tried to find one).
        dir: String,
        /// What is wrong, and how to fix it.
        problem: String,
    },
    /// Embedding texts failed in the tokenizer or the tensor library.
    #[error("embedding failed: {0}")]
    Embedding(String),
}

/// Shorthand used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn param(name: &'static str, value: impl ToString, expected: &'static str) -> Self {
        Error::Param {
            name,
            value: value.to_string(),
            expected,
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
