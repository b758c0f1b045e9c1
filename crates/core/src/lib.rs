/*!
The vocabulary every other Huaxiang crate speaks.

Huaxiang turns scattered customer data into one profile per person. Before any of
that can happen, every crate has to agree on a few things: which canonical tables
exist and what their columns mean ([`schema`]), what a workspace's configuration
says ([`config`]), what a "day" is in the workspace's time zone ([`time`]), what one build
shares with its stages ([`build`]), how
identifiers such as phones and e-mails are normalised before they are compared or
hashed ([`normalize`]), and how failures are reported ([`error`]).

This crate deliberately has no I/O beyond reading and writing the configuration
file and no heavy dependencies, so that it can sit at the bottom of the graph.
*/

pub mod build;
pub mod config;
pub mod error;
pub mod net;
pub mod normalize;
pub mod schema;
pub mod time;

pub use error::{CoreError, Result};
