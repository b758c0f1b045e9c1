/*!
Identity resolution: which customer records, across sources, are the same person.

A customer-data platform is only as good as its idea of "a person". Merge too
little and every report double-counts customers, every journey breaks at the
first new account. Merge too much and, worse, one person's orders, consents and
messages land in another person's profile: a privacy incident, and one that
is hard to undo because every downstream table keyed on the merged id. This
crate is therefore built around one asymmetry: **over-merging is the worst
failure**, and every design decision trades a little recall for a lot of
protection against it.

# How it decides

1. **Normalised, interned inputs.** Values are normalised by the caller with
   [`huaxiang_core::normalize`], then interned and counted. Junk values (`null`, `11111111111`, `test@test.com`, workspace
   patterns, and any phone or e-mail shared by more than
   `max_records_per_identifier` records) are treated as absent: the front-desk
   phone typed into a thousand walk-in accounts links nobody.
2. **Blocking.** Only records sharing a cheap key are compared: phone, e-mail,
   e-mail local part, the phone with one chunk free (for a mistyped digit), and
   the pinyin of the name with birth year or city (for homophone typos such as
   张伟 / 张玮). Cost stays near-linear.
3. **Comparison levels.** Each field compares as exact, one of a few fuzzy
   levels designed after the real errors (homophone, one phone digit, domain
   typo, birth year off by one), disagree, missing or junk.
4. **Fellegi–Sunter scoring.** Each level carries `log2(m/u)` bits of evidence.
   `u` comes from value frequencies and random pairs, and exact agreement is
   weighed by how rare the agreed value is: sharing the name 王伟 says little,
   a rare name a lot (the rarity of a name seen only on the pair itself comes
   from a character model of all names, not from the pair). `m`, the prior and
   the rate at which different people share a phone or e-mail are learnt by EM
   from the candidate pairs, without labels, and shrunk towards sensible
   priors so that small inputs behave. Evidence that merely repeats the name
   (an e-mail local part spelt from it, `zhang.wei@…`) is not counted twice.
5. **Guarded exact rules.** A shared phone or e-mail links two records outright
   only when the name agrees (exactly or as a homophone) and birth year and
   gender do not contradict. A phone shared by records whose names and birth
   years disagree is a household phone; it is left to the probabilistic score,
   where the disagreements outweigh it.
6. **Guarded clustering.** Edges are applied strongest first. A merge is
   refused when it would break an `Unmerge` override, grow a person beyond
   `max_records_per_person`, or join two groups whose records, compared pair by
   pair, look like different people on average. So one wrong edge cannot chain
   two families together, and what gets cut is always the weakest link.
7. **Stable ids.** A person keeps the id most of its records had before; new
   persons get an id hashed from their smallest record key. Rebuilding with
   the previous links of an identical run changes nothing.

# Explainability and privacy

Every accepted edge comes with a [`PairEvidence`]: the rule, the posterior,
and per field the level and the weight in bits. Neither explanations, errors
nor logs ever contain a name, phone or e-mail: the caller decrypts PII into
memory for the duration of a resolution, and nothing derived from it leaves
except record keys, person ids and numbers.

# Example

```
use huaxiang_identity::{IdentityRecord, Resolver};

let records = vec![
    IdentityRecord::new("customers", "C1").with_name("张伟").with_phone("+8613812345678").with_birth_year(1990),
    IdentityRecord::new("crm_contacts", "K1").with_name("张玮").with_phone("+8613812345678").with_birth_year(1990),
    IdentityRecord::new("customers", "C2").with_name("李娜").with_phone("+8613812345678").with_birth_year(1975),
];
let resolution = Resolver::builder().build()?.resolve(&records, &[], &[])?;
let person = |id: &str| resolution.links.iter().find(|l| l.record_id == id).map(|l| l.person_id.clone());
assert_eq!(person("C1"), person("K1"));   // same person, homophone typo
assert_ne!(person("C1"), person("C2"));   // household phone: not merged
# Ok::<(), huaxiang_identity::IdentityError>(())
```
*/

mod blocking;
mod cluster;
mod compare;
mod em;
mod error;
mod explain;
mod frequency;
mod hashing;
mod ids;
mod junk;
mod model;
mod names;
mod output;
mod overrides;
mod prepare;
mod resolver;
mod types;

pub use error::IdentityError;
pub use resolver::{Resolver, ResolverBuilder};
pub use types::{
    FieldComparison, FieldParameters, IdentityRecord, LevelParameters, Link, Override, PairEvidence, Person,
    PreviousLink, RecordKey, Resolution, ResolutionStats,
};
