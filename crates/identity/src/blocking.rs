//! Blocking: which pairs of records are worth comparing at all.
//!
//! Comparing every pair is quadratic (10^10 pairs for 140,000 records). Real
//! matches almost always share something cheap to index, so each record gets a
//! few *blocking keys* and only records sharing a key are compared:
//!
//! | rule | catches |
//! |---|---|
//! | phone | the same phone |
//! | e-mail | the same e-mail |
//! | e-mail local part | a domain typo (`@qq.con`) or another provider |
//! | phone, 2 of 3 chunks | one mistyped digit (pigeonhole: it sits in one chunk) |
//! | name pinyin + birth year | name typos, including homophones, when phone and e-mail changed |
//! | name pinyin + city | the same, when the birth year is missing or off by one |
//!
//! Keys are hashed to 64 bits and grouped by sorting, so the cost is
//! `O(n log n)` plus the pairs produced. A block larger than the size limit is
//! skipped (and counted): it would cost quadratic time and, being made of
//! common values, would mostly produce non-matches.

use crate::compare::hamming_within;
use crate::hashing::{key_of, str_key};
use crate::prepare::{JUNK, Prepared};

/// Candidate pairs `(a, b)` with `a < b`, sorted and unique.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    pub pairs: Vec<(u32, u32)>,
    pub oversized_blocks: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    None,
    /// Keep only pairs whose phones differ in exactly one digit.
    PhoneOneDigit,
}

/// Generates the candidate pairs of all blocking rules.
pub(crate) fn candidate_pairs(p: &Prepared, max_block: usize) -> Candidates {
    let n = p.len();
    let mut out: Vec<u64> = Vec::with_capacity(n * 4);
    let mut oversized = 0;
    let mut entries: Vec<(u64, u32)> = Vec::with_capacity(n * 3);

    // Exact phone and e-mail.
    for (rule, column) in [(1u64, &p.phone), (2, &p.email)] {
        entries.clear();
        entries.extend(
            column
                .iter()
                .enumerate()
                .filter(|(_, v)| **v < JUNK)
                .map(|(i, &v)| (key_of(&[rule, u64::from(v)]), i as u32)),
        );
        oversized += emit(p, &mut entries, max_block, Filter::None, &mut out);
    }
    // E-mail local part (at least 3 characters, else it says little).
    entries.clear();
    for (i, &e) in p.email.iter().enumerate() {
        if e < JUNK {
            let local = p.email_local[e as usize];
            if p.locals.get(local).chars().count() >= 3 {
                entries.push((key_of(&[3, u64::from(local)]), i as u32));
            }
        }
    }
    oversized += emit(p, &mut entries, max_block, Filter::None, &mut out);
    // Phone with one digit different: split into 3 chunks; a one-digit
    // difference leaves two chunks intact.
    entries.clear();
    for (i, &ph) in p.phone.iter().enumerate() {
        if ph < JUNK {
            let s = p.phones.get(ph);
            let digits = s.trim_start_matches('+');
            let len = digits.len();
            if len >= 6 {
                let (c1, c2) = (len / 3, 2 * len / 3);
                let (a, b, c) = (&digits[..c1], &digits[c1..c2], &digits[c2..]);
                entries.push((key_of(&[4, 1, str_key(a), str_key(b)]), i as u32));
                entries.push((key_of(&[4, 2, str_key(a), str_key(c)]), i as u32));
                entries.push((key_of(&[4, 3, str_key(b), str_key(c)]), i as u32));
            }
        }
    }
    oversized += emit(
        p,
        &mut entries,
        max_block.saturating_mul(4),
        Filter::PhoneOneDigit,
        &mut out,
    );
    // Name pinyin with birth year, and with city.
    for (rule, column) in [(5u64, &p.birth_year), (6, &p.city)] {
        entries.clear();
        for (i, (&name, &other)) in p.name.iter().zip(column.iter()).enumerate() {
            if name < JUNK && other < JUNK {
                let py = p.name_pinyin[name as usize];
                entries.push((key_of(&[rule, u64::from(py), u64::from(other)]), i as u32));
            }
        }
        oversized += emit(p, &mut entries, max_block, Filter::None, &mut out);
    }

    out.sort_unstable();
    out.dedup();
    let pairs = out.into_iter().map(|k| ((k >> 32) as u32, k as u32)).collect();
    Candidates {
        pairs,
        oversized_blocks: oversized,
    }
}

/// Sorts `entries` by key and appends the pairs of every block to `out`.
/// Returns the number of blocks skipped for exceeding `max_block`.
fn emit(p: &Prepared, entries: &mut [(u64, u32)], max_block: usize, filter: Filter, out: &mut Vec<u64>) -> usize {
    entries.sort_unstable();
    let mut oversized = 0;
    let mut start = 0;
    while start < entries.len() {
        let key = entries[start].0;
        let mut end = start + 1;
        while end < entries.len() && entries[end].0 == key {
            end += 1;
        }
        let block = &entries[start..end];
        if block.len() > max_block {
            oversized += 1;
        } else {
            for (i, &(_, a)) in block.iter().enumerate() {
                for &(_, b) in &block[i + 1..] {
                    if a == b {
                        continue;
                    }
                    if filter == Filter::PhoneOneDigit {
                        let (pa, pb) = (p.phones.get(p.phone[a as usize]), p.phones.get(p.phone[b as usize]));
                        if hamming_within(pa.as_bytes(), pb.as_bytes(), 1) != Some(1) {
                            continue;
                        }
                    }
                    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                    out.push((u64::from(lo) << 32) | u64::from(hi));
                }
            }
        }
        start = end;
    }
    oversized
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::junk::Blocklist;
    use crate::prepare::prepare;
    use crate::types::IdentityRecord;

    #[test]
    fn rules_find_the_expected_pairs() {
        let records = vec![
            IdentityRecord::new("s", "0")
                .with_name("张伟")
                .with_phone("+8613812345678"),
            IdentityRecord::new("s", "1")
                .with_name("李娜")
                .with_phone("+8613812345678"),
            IdentityRecord::new("s", "2")
                .with_name("王芳")
                .with_phone("+8613812345670"),
            IdentityRecord::new("s", "3").with_name("张玮").with_birth_year(1990),
            IdentityRecord::new("s", "4").with_name("张伟").with_birth_year(1990),
            IdentityRecord::new("s", "5").with_email("wang.fang@qq.com"),
            IdentityRecord::new("s", "6").with_email("wang.fang@qq.con"),
            IdentityRecord::new("s", "7")
                .with_name("赵六")
                .with_phone("+8613999999990"),
        ];
        let p = prepare(&records, &Blocklist::default(), 20).expect("valid input");
        let c = candidate_pairs(&p, 100);
        assert_eq!(c.pairs, vec![(0, 1), (0, 2), (1, 2), (3, 4), (5, 6)]);
        assert_eq!(c.oversized_blocks, 0);
    }

    #[test]
    fn oversized_blocks_are_skipped() {
        let records: Vec<IdentityRecord> = (0..10)
            .map(|i| {
                IdentityRecord::new("s", format!("{i}"))
                    .with_name("张伟")
                    .with_birth_year(1990)
            })
            .collect();
        let p = prepare(&records, &Blocklist::default(), 20).expect("valid input");
        let c = candidate_pairs(&p, 5);
        assert!(c.pairs.is_empty());
        assert_eq!(c.oversized_blocks, 1);
    }
}
