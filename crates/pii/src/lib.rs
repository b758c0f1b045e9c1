/*!
Personal data at rest: encryption, keyed hashing and masking.

Names, phones, e-mails and any column a mapping marks `pii` never reach disk in
plain text, not in tables, metadata, quarantine or logs. Three operations make
that workable without giving up on matching and analysis:

* **Encryption** (AES-256-GCM, a fresh random nonce per value) keeps the value
  recoverable for people allowed to see it (`huaxiang sql --reveal`) and for
  identity resolution, which needs fuzzy comparisons in memory.
* **Keyed hashing** (HMAC-SHA256 of the normalised value) lets exact lookups and
  joins ("find the person with this phone") run without the plaintext, and
  without the dictionary attacks a plain hash of an 11-digit phone invites.
* **Masking** (`138****5678`, `a***@example.com`) is what everybody sees by default.

Both keys are derived from one 32-byte master key, read from an environment
variable or a key file that `huaxiang init` creates with mode 0600.
*/

mod key;
mod mask;

pub use key::{KeyError, Keys, MASTER_KEY_LEN};
pub use mask::{mask, mask_email, mask_name, mask_phone};

/// Prefix of every ciphertext produced by [`Keys::encrypt`], so that encrypted
/// cells are recognisable (and never mistaken for plaintext) when read back.
pub const CIPHERTEXT_PREFIX: &str = "enc1:";
