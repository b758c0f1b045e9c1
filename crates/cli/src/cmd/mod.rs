//! One module per subcommand.

pub mod ask;
pub mod attribution;
pub mod behavior;
pub mod build;
pub mod cluster;
pub mod clv;
pub mod demo;
pub mod experiment;
pub mod identity;
pub mod ingest;
pub mod init;
pub mod metric;
pub mod model;
pub mod profile;
pub mod quality;
pub mod recommend;
pub mod rules;
pub mod segment;
pub mod serve;
pub mod sql;
pub mod tag;
pub mod text;
pub mod user;
