//! Turning input records into compact, comparable columns.
//!
//! Every string value is interned once, so that comparing two records is a
//! handful of integer comparisons, and the per-value frequencies needed for
//! term-frequency weights and the "shared by too many records" guard come for
//! free. Records are sorted by key first: the output then does not depend on
//! the input order. Values never leave this module other than as ids.

use huaxiang_core::normalize::IdentifierKind;

use crate::error::IdentityError;
use crate::frequency;
use crate::hashing::FxMap;
use crate::junk::Blocklist;
use crate::names::{self, NameInfo};
use crate::types::{IdentityRecord, RecordKey};

/// The field value is absent (or unusable, such as an impossible birth year).
pub(crate) const MISSING: u32 = u32::MAX;
/// The field value is junk: blocklisted or shared by too many records.
pub(crate) const JUNK: u32 = u32::MAX - 1;

/// Plausible birth years; anything else is treated as missing.
pub(crate) const MIN_BIRTH_YEAR: i32 = 1901;
pub(crate) const MAX_BIRTH_YEAR: i32 = 2030;

/// A record key borrowed from the input: (source, record_id).
pub(crate) type KeyRef<'a> = (&'a str, &'a str);

/// Distinct string values (borrowed from the input) with their record counts.
#[derive(Debug, Default)]
pub(crate) struct Interner<'a> {
    map: FxMap<&'a str, u32>,
    pub values: Vec<&'a str>,
    pub counts: Vec<u32>,
}

impl<'a> Interner<'a> {
    /// Interns and counts one occurrence.
    fn intern(&mut self, s: &'a str) -> u32 {
        let id = self.intern_uncounted(s);
        self.counts[id as usize] += 1;
        id
    }

    /// Interns without counting (for derived keys whose counts are set later).
    fn intern_uncounted(&mut self, s: &'a str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.values.len() as u32;
        self.map.insert(s, id);
        self.values.push(s);
        self.counts.push(0);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &'a str {
        self.values.get(id as usize).copied().unwrap_or("")
    }
}

/// Distinct derived string values (not borrowed from the input), with counts.
#[derive(Debug, Default)]
pub(crate) struct OwnedInterner {
    map: FxMap<String, u32>,
    pub counts: Vec<u32>,
}

impl OwnedInterner {
    fn intern_uncounted(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.counts.len() as u32;
        self.map.insert(s.to_owned(), id);
        self.counts.push(0);
        id
    }

    fn intern(&mut self, s: &str) -> u32 {
        let id = self.intern_uncounted(s);
        self.counts[id as usize] += 1;
        id
    }
}

/// The prepared input: one row per record, in key order, values as ids.
#[derive(Debug, Default)]
pub(crate) struct Prepared<'a> {
    pub keys: Vec<KeyRef<'a>>,
    pub name: Vec<u32>,
    pub phone: Vec<u32>,
    pub email: Vec<u32>,
    pub city: Vec<u32>,
    /// 0 = M, 1 = F, `MISSING`.
    pub gender: Vec<u32>,
    /// `MISSING` or the year.
    pub birth_year: Vec<u32>,
    pub names: Interner<'a>,
    /// Per name id.
    pub name_info: Vec<NameInfo>,
    /// Per name id: model frequency of the name (see `frequency`).
    pub name_model: Vec<f64>,
    /// Per name id: id of its pinyin key in `pinyin`.
    pub name_pinyin: Vec<u32>,
    /// Pinyin keys; counts are record counts.
    pub pinyin: OwnedInterner,
    /// Per pinyin id: model frequency of the pinyin key (see `frequency`).
    pub pinyin_model: Vec<f64>,
    pub phones: Interner<'a>,
    pub emails: Interner<'a>,
    /// Per e-mail id: id of its local part in `locals` and of its domain in `domains`.
    pub email_local: Vec<u32>,
    pub email_domain: Vec<u32>,
    pub locals: Interner<'a>,
    pub domains: Interner<'a>,
    pub cities: OwnedInterner,
    /// Record count per birth year (index: year - MIN_BIRTH_YEAR).
    pub year_counts: Vec<u32>,
    pub gender_counts: [u32; 2],
    /// Records with a usable value, per field in `compare::FIELDS` order
    /// (name, phone, e-mail, birth year, city, gender).
    pub present: [usize; 6],
    /// Distinct identifier values treated as junk.
    pub junk_values: usize,
}

impl Prepared<'_> {
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    fn count_present(column: &[u32]) -> usize {
        column.iter().filter(|&&v| v < JUNK).count()
    }
}

/// Sorts, validates and interns the input.
pub(crate) fn prepare<'a>(
    records: &'a [IdentityRecord],
    blocklist: &Blocklist,
    max_records_per_identifier: usize,
) -> Result<Prepared<'a>, IdentityError> {
    if records.len() >= (JUNK - 1) as usize {
        return Err(IdentityError::TooManyRecords(records.len()));
    }
    for (index, r) in records.iter().enumerate() {
        if r.source.is_empty() || r.record_id.is_empty() {
            return Err(IdentityError::EmptyKey { index });
        }
    }
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&records[a], &records[b]);
        (ra.source.as_str(), ra.record_id.as_str()).cmp(&(rb.source.as_str(), rb.record_id.as_str()))
    });
    for w in order.windows(2) {
        let (a, b) = (&records[w[0]], &records[w[1]]);
        if a.source == b.source && a.record_id == b.record_id {
            return Err(IdentityError::DuplicateRecord(RecordKey::new(
                a.source.clone(),
                a.record_id.clone(),
            )));
        }
    }

    let n = records.len();
    let mut p = Prepared {
        year_counts: vec![0; (MAX_BIRTH_YEAR - MIN_BIRTH_YEAR + 1) as usize],
        ..Prepared::default()
    };
    for interner in [&mut p.names, &mut p.phones, &mut p.emails] {
        interner.map.reserve(n);
    }
    p.keys.reserve(n);
    for col in [
        &mut p.name,
        &mut p.phone,
        &mut p.email,
        &mut p.city,
        &mut p.gender,
        &mut p.birth_year,
    ] {
        col.reserve(n);
    }
    let mut city_buf = String::new();
    for &i in &order {
        let r = &records[i];
        p.keys.push((r.source.as_str(), r.record_id.as_str()));
        p.name.push(intern_identifier(&mut p.names, r.name.as_deref()));
        p.phone.push(intern_identifier(&mut p.phones, r.phone.as_deref()));
        p.email.push(intern_identifier(&mut p.emails, r.email.as_deref()));
        p.city
            .push(match r.city.as_deref().map(|c| clean_city(c, &mut city_buf)) {
                Some(c) if !c.is_empty() => p.cities.intern(c),
                _ => MISSING,
            });
        let g = r.gender.as_deref().map_or(MISSING, gender_code);
        if g < 2 {
            p.gender_counts[g as usize] += 1;
        }
        p.gender.push(g);
        let y = match r.birth_year {
            Some(y) if plausible_birth_year(y, r.created_at) => {
                p.year_counts[(y - MIN_BIRTH_YEAR) as usize] += 1;
                y as u32
            }
            _ => MISSING,
        };
        p.birth_year.push(y);
    }

    // Junk: blocklisted values (checked once per distinct value) and, for
    // phones and e-mails, values shared by too many records.
    let mut junk_values = 0;
    for (interner, column, kind) in [
        (&mut p.names, &mut p.name, IdentifierKind::Name),
        (&mut p.phones, &mut p.phone, IdentifierKind::Phone),
        (&mut p.emails, &mut p.email, IdentifierKind::Email),
    ] {
        let junk: Vec<bool> = interner
            .values
            .iter()
            .zip(&interner.counts)
            .map(|(value, &count)| {
                blocklist.is_junk(kind, value)
                    || (kind != IdentifierKind::Name && count as usize > max_records_per_identifier)
            })
            .collect();
        junk_values += junk.iter().filter(|&&j| j).count();
        for v in column.iter_mut() {
            if *v < JUNK && junk[*v as usize] {
                *v = JUNK;
            }
        }
        // Term frequencies only see usable values.
        recount(interner, column);
    }
    p.junk_values = junk_values;

    // Names: pinyin keys and their record counts.
    p.name_info = p.names.values.iter().map(|s| names::analyse(s)).collect();
    p.name_model = frequency::name_model(&p.names.values, &p.names.counts);
    p.name_pinyin = p
        .name_info
        .iter()
        .map(|info| p.pinyin.intern_uncounted(&info.pinyin_key))
        .collect();
    for &v in &p.name {
        if v < JUNK {
            p.pinyin.counts[p.name_pinyin[v as usize] as usize] += 1;
        }
    }
    let mut pinyin_keys: Vec<&str> = vec![""; p.pinyin.counts.len()];
    for (info, &py) in p.name_info.iter().zip(&p.name_pinyin) {
        pinyin_keys[py as usize] = &info.pinyin_key;
    }
    p.pinyin_model = frequency::name_model(&pinyin_keys, &p.pinyin.counts);
    // E-mails: local part and domain.
    for i in 0..p.emails.values.len() {
        let e = p.emails.values[i];
        let (local, domain) = e.split_once('@').unwrap_or((e, ""));
        p.email_local.push(p.locals.intern_uncounted(local));
        p.email_domain.push(p.domains.intern_uncounted(domain));
    }
    for &v in &p.email {
        if v < JUNK {
            p.locals.counts[p.email_local[v as usize] as usize] += 1;
            p.domains.counts[p.email_domain[v as usize] as usize] += 1;
        }
    }
    p.present = [&p.name, &p.phone, &p.email, &p.birth_year, &p.city, &p.gender].map(|c| Prepared::count_present(c));
    Ok(p)
}

/// Interns a normalised identifier, or returns `MISSING` when it is empty.
fn intern_identifier<'a>(interner: &mut Interner<'a>, value: Option<&'a str>) -> u32 {
    match value.map(str::trim) {
        None | Some("") => MISSING,
        Some(v) => interner.intern(v),
    }
}

fn recount(interner: &mut Interner<'_>, column: &[u32]) {
    interner.counts.iter_mut().for_each(|c| *c = 0);
    for &v in column {
        if v < JUNK {
            interner.counts[v as usize] += 1;
        }
    }
}

/// Trims a city and drops a trailing 市 (`上海市` = `上海`); ASCII is lower-cased.
fn clean_city<'a>(raw: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    let t = raw.trim();
    let t = t.strip_suffix('市').unwrap_or(t).trim();
    buf.extend(t.chars().map(|c| c.to_ascii_lowercase()));
    buf.as_str()
}

/// 0 for male, 1 for female, `MISSING` otherwise.
fn gender_code(raw: &str) -> u32 {
    match raw.trim().to_ascii_lowercase().as_str() {
        "m" | "male" | "man" | "男" | "1" => 0,
        "f" | "female" | "woman" | "女" | "2" => 1,
        _ => MISSING,
    }
}

/// A birth year between 1901 and 2030, and not after the record's creation year.
fn plausible_birth_year(year: i32, created_at: Option<i64>) -> bool {
    if !(MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR).contains(&year) {
        return false;
    }
    created_at.is_none_or(|t| i64::from(year) <= year_of_unix(t))
}

/// The (UTC) calendar year of a unix timestamp.
fn year_of_unix(secs: i64) -> i64 {
    // Howard Hinnant's civil_from_days.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(year_of_unix(0), 1970);
        assert_eq!(year_of_unix(1_719_972_672), 2024); // 2024-07-03
        assert_eq!(year_of_unix(1_704_067_199), 2023); // 2023-12-31T23:59:59Z
        assert_eq!(year_of_unix(1_704_067_200), 2024);
        assert!(plausible_birth_year(1990, None));
        for bad in [0, 1800, 1900, 2031, 2099, 9999] {
            assert!(!plausible_birth_year(bad, None), "{bad}");
        }
        assert!(!plausible_birth_year(2025, Some(1_719_972_672)));
    }

    #[test]
    fn cities_and_genders() {
        let mut buf = String::new();
        assert_eq!(clean_city(" 上海市 ", &mut buf), "上海");
        assert_eq!(gender_code("女"), 1);
        assert_eq!(gender_code("M"), 0);
        assert_eq!(gender_code("?"), MISSING);
    }

    #[test]
    fn shared_identifiers_become_junk() {
        let records: Vec<IdentityRecord> = (0..5)
            .map(|i| {
                IdentityRecord::new("s", format!("r{i}"))
                    .with_phone("+8613812345678")
                    .with_email(format!("p{i}@qq.com"))
            })
            .collect();
        let p = prepare(&records, &Blocklist::default(), 4).expect("valid input");
        assert!(p.phone.iter().all(|&v| v == JUNK));
        assert!(p.email.iter().all(|&v| v < JUNK));
        assert_eq!(p.junk_values, 1);
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let records = vec![IdentityRecord::new("s", "1"), IdentityRecord::new("s", "1")];
        assert!(matches!(
            prepare(&records, &Blocklist::default(), 20),
            Err(IdentityError::DuplicateRecord(_))
        ));
    }
}
