//! Field comparison levels: how two records agree, field by field.
//!
//! Each field compares into one of a few ordered levels, from `exact` to
//! `disagree`, plus two neutral levels: `missing` (either side has no value)
//! and `junk` (either side holds a junk value). Neutral levels carry no
//! evidence either way; the informative levels get their weights from the
//! fitted model ([`crate::model`]). The levels are designed around the errors
//! real data contains: homophone name typos, one mistyped phone digit, `.con`
//! for `.com`, a birth year off by one.

use strsim::{jaro_winkler, levenshtein};

use crate::names;
use crate::prepare::{JUNK, MISSING, Prepared};

/// The compared fields, in pattern order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Field {
    Name = 0,
    Phone = 1,
    Email = 2,
    BirthYear = 3,
    City = 4,
    Gender = 5,
}

pub(crate) const NUM_FIELDS: usize = 6;
pub(crate) const FIELDS: [Field; NUM_FIELDS] = [
    Field::Name,
    Field::Phone,
    Field::Email,
    Field::BirthYear,
    Field::City,
    Field::Gender,
];

/// Level codes: 0 and 1 are neutral, informative levels start at 2 with `exact`.
pub(crate) const MISSING_LEVEL: u8 = 0;
pub(crate) const JUNK_LEVEL: u8 = 1;
pub(crate) const EXACT: u8 = 2;

// Name
pub(crate) const NAME_HOMOPHONE: u8 = 3;
pub(crate) const NAME_FUZZY: u8 = 4;
pub(crate) const NAME_DISAGREE: u8 = 5;
// Phone
pub(crate) const PHONE_ONE_DIGIT: u8 = 3;
pub(crate) const PHONE_DISAGREE: u8 = 4;
// E-mail
pub(crate) const EMAIL_TYPO: u8 = 3;
pub(crate) const EMAIL_LOCAL_ONLY: u8 = 4;
pub(crate) const EMAIL_DISAGREE: u8 = 5;
// Birth year
pub(crate) const YEAR_NEAR: u8 = 3;
pub(crate) const YEAR_DISAGREE: u8 = 4;
// City, gender
pub(crate) const PLAIN_DISAGREE: u8 = 3;

/// A domain is a typo of another only if the other is at least this many times more common.
const DOMAIN_TYPO_RATIO: u64 = 10;

/// Common misspellings of the `com` top-level domain.
const COM_TYPOS: &[&str] = &[
    "con", "cmo", "ocm", "vom", "xom", "cpm", "cim", "comm", "coom", "cm", "om",
];

/// Jaro-Winkler similarity above which two non-Chinese names are `fuzzy`.
const LATIN_NAME_FUZZY: f64 = 0.92;

impl Field {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::BirthYear => "birth_year",
            Field::City => "city",
            Field::Gender => "gender",
        }
    }

    /// Names of the informative levels, in code order starting at [`EXACT`].
    pub(crate) fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Name => &["exact", "homophone", "fuzzy", "disagree"],
            Field::Phone => &["exact", "one_digit", "disagree"],
            Field::Email => &["exact", "domain_typo", "local_part_only", "disagree"],
            Field::BirthYear => &["exact", "off_by_one", "disagree"],
            Field::City | Field::Gender => &["exact", "disagree"],
        }
    }

    /// Number of informative levels.
    pub(crate) fn informative(self) -> usize {
        self.levels().len()
    }

    /// The level as shown in explanations: `exact`, `fuzzy`, `disagree`, `missing` or `junk`.
    pub(crate) fn public_level(self, code: u8) -> &'static str {
        match code {
            MISSING_LEVEL => "missing",
            JUNK_LEVEL => "junk",
            EXACT => "exact",
            c if usize::from(c - EXACT) + 1 == self.informative() => "disagree",
            _ => "fuzzy",
        }
    }

    /// Code of the `disagree` level.
    pub(crate) fn disagree(self) -> u8 {
        EXACT + self.informative() as u8 - 1
    }
}

/// The level of every field for one pair, indexed by `Field as usize`.
pub(crate) type Pattern = [u8; NUM_FIELDS];

/// Packs a pattern into one integer (4 bits per field), for counting.
pub(crate) fn pack(p: &Pattern) -> u32 {
    p.iter()
        .enumerate()
        .fold(0, |acc, (i, &l)| acc | (u32::from(l) << (4 * i)))
}

pub(crate) fn unpack(code: u32) -> Pattern {
    let mut p = [0u8; NUM_FIELDS];
    for (i, l) in p.iter_mut().enumerate() {
        *l = ((code >> (4 * i)) & 0xf) as u8;
    }
    p
}

/// Compares records `a` and `b` on every field.
pub(crate) fn compare(p: &Prepared, a: usize, b: usize) -> Pattern {
    [
        compare_name(p, p.name[a], p.name[b]),
        compare_phone(p, p.phone[a], p.phone[b]),
        compare_email(p, p.email[a], p.email[b]),
        compare_year(p.birth_year[a], p.birth_year[b]),
        compare_plain(p.city[a], p.city[b]),
        compare_plain(p.gender[a], p.gender[b]),
    ]
}

#[inline]
fn neutral(x: u32, y: u32) -> Option<u8> {
    if x == MISSING || y == MISSING {
        Some(MISSING_LEVEL)
    } else if x == JUNK || y == JUNK {
        Some(JUNK_LEVEL)
    } else if x == y {
        Some(EXACT)
    } else {
        None
    }
}

pub(crate) fn compare_name(p: &Prepared, x: u32, y: u32) -> u8 {
    if let Some(l) = neutral(x, y) {
        return l;
    }
    let (xi, yi) = (&p.name_info[x as usize], &p.name_info[y as usize]);
    let (sx, sy) = (p.names.get(x), p.names.get(y));
    let cjk = xi.cjk && yi.cjk;
    if xi.len == yi.len {
        if p.name_pinyin[x as usize] == p.name_pinyin[y as usize] {
            return if cjk { NAME_HOMOPHONE } else { NAME_FUZZY };
        }
        if cjk && (xi.polyphonic || yi.polyphonic) && names::homophones(sx, sy) {
            return NAME_HOMOPHONE;
        }
        if cjk && names::one_char_apart(sx, sy) {
            return NAME_FUZZY;
        }
    }
    if !xi.cjk && !yi.cjk && jaro_winkler(&sx.to_lowercase(), &sy.to_lowercase()) >= LATIN_NAME_FUZZY {
        return NAME_FUZZY;
    }
    NAME_DISAGREE
}

/// Number of differing bytes of two equal-length strings, stopping at `limit + 1`.
#[inline]
pub(crate) fn hamming_within(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    if a.len() != b.len() {
        return None;
    }
    let mut d = 0;
    for (x, y) in a.iter().zip(b) {
        if x != y {
            d += 1;
            if d > limit {
                return None;
            }
        }
    }
    Some(d)
}

pub(crate) fn compare_phone(p: &Prepared, x: u32, y: u32) -> u8 {
    if let Some(l) = neutral(x, y) {
        return l;
    }
    match hamming_within(p.phones.get(x).as_bytes(), p.phones.get(y).as_bytes(), 1) {
        Some(1) => PHONE_ONE_DIGIT,
        _ => PHONE_DISAGREE,
    }
}

fn compare_email(p: &Prepared, x: u32, y: u32) -> u8 {
    if let Some(l) = neutral(x, y) {
        return l;
    }
    let (lx, ly) = (p.email_local[x as usize], p.email_local[y as usize]);
    let (dx, dy) = (p.email_domain[x as usize], p.email_domain[y as usize]);
    if lx == ly {
        return if domain_typo(p, dx, dy) {
            EMAIL_TYPO
        } else {
            EMAIL_LOCAL_ONLY
        };
    }
    // Local parts one edit apart (`guoying19` / `guoying14`) are deliberately
    // not fuzzy: local parts are usually spelt from the name, so different
    // people with the same name produce exactly such near-misses.
    EMAIL_DISAGREE
}

/// Two domains are a typo of each other when they are close in spelling and
/// one of them is rare next to the other (`qq.con` next to `qq.com`); two
/// popular domains (`163.com`, `126.com`) are different providers.
/// Known misspellings of `.com` (`qq.con`) also count, however rare the data.
fn domain_typo(p: &Prepared, dx: u32, dy: u32) -> bool {
    let (x, y) = (p.domains.get(dx), p.domains.get(dy));
    let (bx, tx) = x.rsplit_once('.').unwrap_or((x, ""));
    let (by, ty) = y.rsplit_once('.').unwrap_or((y, ""));
    if bx == by && ((COM_TYPOS.contains(&tx) && ty == "com") || (COM_TYPOS.contains(&ty) && tx == "com")) {
        return true;
    }
    let (cx, cy) = (p.domains.counts[dx as usize], p.domains.counts[dy as usize]);
    let (rare, common) = (cx.min(cy), cx.max(cy));
    u64::from(rare) * DOMAIN_TYPO_RATIO <= u64::from(common) && levenshtein(x, y) <= 2
}

fn compare_year(x: u32, y: u32) -> u8 {
    if let Some(l) = neutral(x, y) {
        return l;
    }
    if x.abs_diff(y) == 1 { YEAR_NEAR } else { YEAR_DISAGREE }
}

fn compare_plain(x: u32, y: u32) -> u8 {
    neutral(x, y).unwrap_or(PLAIN_DISAGREE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::junk::Blocklist;
    use crate::prepare::prepare;
    use crate::types::IdentityRecord;

    fn pair(a: IdentityRecord, b: IdentityRecord) -> Pattern {
        let records = [a, b];
        let p = prepare(&records, &Blocklist::default(), 20).expect("valid input");
        compare(&p, 0, 1)
    }

    #[test]
    fn levels() {
        let a = IdentityRecord::new("s", "1")
            .with_name("张伟")
            .with_phone("+8613812345678")
            .with_email("zhang.wei@qq.com")
            .with_birth_year(1990)
            .with_city("上海")
            .with_gender("M");
        let b = IdentityRecord::new("s", "2")
            .with_name("张玮")
            .with_phone("+8613812345679")
            .with_email("zhang.wei@qq.con")
            .with_birth_year(1991)
            .with_city("北京");
        let pat = pair(a.clone(), b);
        assert_eq!(
            pat,
            [
                NAME_HOMOPHONE,
                PHONE_ONE_DIGIT,
                EMAIL_TYPO,
                YEAR_NEAR,
                PLAIN_DISAGREE,
                MISSING_LEVEL
            ]
        );
        let c = IdentityRecord::new("s", "3")
            .with_name("李娜")
            .with_phone("test")
            .with_email("li.na@163.com");
        let pat = pair(a, c);
        assert_eq!(pat[0], NAME_DISAGREE);
        assert_eq!(pat[1], JUNK_LEVEL);
        assert_eq!(pat[2], EMAIL_DISAGREE);
        assert_eq!(unpack(pack(&pat)), pat);
    }

    #[test]
    fn public_levels() {
        assert_eq!(Field::Name.public_level(NAME_HOMOPHONE), "fuzzy");
        assert_eq!(Field::Name.public_level(NAME_DISAGREE), "disagree");
        assert_eq!(Field::City.public_level(PLAIN_DISAGREE), "disagree");
        assert_eq!(Field::Phone.disagree(), PHONE_DISAGREE);
        assert_eq!(Field::Email.disagree(), EMAIL_DISAGREE);
        assert_eq!(Field::BirthYear.disagree(), YEAR_DISAGREE);
        assert_eq!(Field::Gender.public_level(JUNK_LEVEL), "junk");
    }
}
