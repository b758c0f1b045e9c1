/*!
One person's 360: the read model behind `huaxiang profile` (and, later, the
web UI and the REST API).

A profile is not stored: it is assembled on demand from the tables a build
wrote (`identity_links`, `person_attributes`, `features`, `tag_values`,
`segment_members`) and the raw activity tables, through the same read-only SQL
views users query. That keeps it exactly as fresh as the last build and shows
personal data only the way the views do: masked unless revealed with the key.

Looking a person up accepts what a support agent has at hand: a person id, a
customer record id of any source, a phone number or an e-mail address. Phones
and e-mails are matched by their keyed hashes, so the lookup never decrypts
anything.
*/

pub mod error;
mod lookup;
mod read;

pub use error::{Error, Result};
pub use lookup::lookup;
pub use read::{Profile, TimelineEntry, profile};
