/*!
The tag system (标签体系): governed, versioned labels on persons.

A tag is only useful to a marketer if an analyst can say exactly what it
meant on a given day, and only trustworthy to an analyst if a bad definition
cannot slip in. The crate is shaped by those two needs.

**Definitions are data, with history.** Every version of every definition
lives in `meta/tags.json` ([`catalog`]); an edit appends version n+1 and keeps
the old one, and every value snapshot names the version that produced it. The
built-in RFM tags ([`rfm`]) are definitions like the others (only their
computation is fixed), so they are listed, versioned and lineaged the same way.

**Refuse bad definitions when saved, not at the next build.** A rule is one
SQL expression ([`expr`]) over one row per person: the features, the person
attributes and the other tags ([`base`]). Saving parses it, checks every
column it names, orders the tags and refuses cycles ([`graph`]), and has
DataFusion plan it against the real columns to check its type ([`validate`]);
then it is evaluated once on the current data ([`manage`]), which also tells
the user how many persons it would cover.

**One plan per build.** The build stage ([`stage`]) computes every current
tag for every person in a single DataFusion query ([`evaluate`]) — level by
level through tag dependencies — so the same plan could run on a cluster, and
writes `person_tags` (one column per tag, which segments and metrics join).

**Snapshots are appended, so change is a query.** Each build appends the
values (`tag_values`), what changed since the previous snapshot
(`tag_history`) and the coverage per value (`tag_coverage`) ([`snapshot`]),
idempotently per build id; "who entered tag X between builds 3 and 4" is a
`WHERE` over `tag_history`. The catalog table `tags` ([`registry`]) records per
version when it was last computed and from which inputs, which is how
`huaxiang tag list` knows a tag is stale ([`status`]), and `tag_lineage`
([`lineage`]) records what each tag depends on, down to source columns.

**Given values are stored raw and resolved late.** Imported lists and manual
settings ([`assignments`]) keep the identifier they were given (hashed for
phones and e-mails, never plain) and are resolved to persons at every build,
so identity changes reach them; rows that reach nobody are reported.
*/

pub mod assignments;
pub mod base;
pub mod catalog;
pub mod definition;
pub mod error;
pub mod evaluate;
pub mod expr;
pub mod graph;
pub mod lineage;
pub mod manage;
pub mod registry;
pub mod render;
pub mod rfm;
pub mod snapshot;
pub mod stage;
pub mod status;
pub mod validate;

#[cfg(test)]
mod testkit;

pub use catalog::{Catalog, TagSpec};
pub use definition::{Refresh, TagDef, TagType, ValueType};
pub use error::{Error, Result};
pub use stage::{fingerprint, run};
