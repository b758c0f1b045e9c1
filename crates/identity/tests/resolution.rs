//! End-to-end behaviour of the resolver on small synthetic populations.

use std::collections::HashMap;

use huaxiang_core::normalize::{normalize_email, normalize_name, normalize_phone};
use huaxiang_identity::{IdentityRecord, Override, PreviousLink, RecordKey, Resolution, Resolver};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
];
const GIVEN: &[&str] = &[
    "伟", "静", "丽", "英", "华", "明", "军", "燕", "芳", "敏", "慧", "磊", "强", "平", "刚", "涛", "杰", "宇", "欣",
    "浩", "晨", "怡", "佳", "晓", "天", "琳", "娜", "倩", "波", "超", "鹏", "飞", "凯", "瑞", "雪", "梅", "勇", "志",
    "龙", "丹",
];
const CITIES: &[&str] = &[
    "上海", "北京", "广州", "深圳", "成都", "杭州", "重庆", "武汉", "西安", "苏州",
];

/// A tiny deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One synthetic person.
#[derive(Clone)]
struct Person {
    name: String,
    phone: String,
    email: String,
    city: String,
    birth_year: i32,
    gender: &'static str,
}

fn people(n: usize, seed: u64) -> Vec<Person> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let mut name = SURNAMES[rng.below(SURNAMES.len())].to_string();
            name.push_str(GIVEN[rng.below(GIVEN.len())]);
            name.push_str(GIVEN[rng.below(GIVEN.len())]);
            Person {
                name,
                phone: format!(
                    "+861{}{:09}",
                    3 + rng.below(7),
                    100_000_000 + i * 7919 + rng.below(5000)
                ),
                email: format!("u{}x{}@qq.com", rng.next() % 1_000_000_000, i),
                city: CITIES[rng.below(CITIES.len())].to_string(),
                birth_year: 1960 + rng.below(45) as i32,
                gender: if rng.below(2) == 0 { "M" } else { "F" },
            }
        })
        .collect()
}

fn record(source: &str, id: impl Into<String>, p: &Person) -> IdentityRecord {
    IdentityRecord::new(source, id)
        .with_name(p.name.clone())
        .with_phone(p.phone.clone())
        .with_email(p.email.clone())
        .with_city(p.city.clone())
        .with_birth_year(p.birth_year)
        .with_gender(p.gender)
}

/// A background population: every person has a `customers` record; every
/// other person also a `crm_contacts` record with a changed phone or e-mail.
fn population(n: usize) -> (Vec<Person>, Vec<IdentityRecord>) {
    let ps = people(n, 42);
    let mut records = Vec::new();
    for (i, p) in ps.iter().enumerate() {
        records.push(record("customers", format!("C{i:05}"), p));
        if i % 2 == 0 {
            let mut crm = p.clone();
            if i % 4 == 0 {
                crm.phone = format!("+8619{:09}", i);
            } else {
                crm.email = format!("other{i}@163.com");
            }
            records.push(record("crm_contacts", format!("K{i:05}"), &crm));
        }
    }
    (ps, records)
}

fn person_of(r: &Resolution) -> HashMap<(String, String), String> {
    r.links
        .iter()
        .map(|l| ((l.source.clone(), l.record_id.clone()), l.person_id.clone()))
        .collect()
}

fn pid(map: &HashMap<(String, String), String>, source: &str, id: &str) -> String {
    map.get(&(source.to_string(), id.to_string()))
        .cloned()
        .unwrap_or_default()
}

fn resolver() -> Resolver {
    Resolver::builder().build().expect("default parameters are valid")
}

fn previous_of(r: &Resolution) -> Vec<PreviousLink> {
    r.links
        .iter()
        .map(|l| PreviousLink {
            source: l.source.clone(),
            record_id: l.record_id.clone(),
            person_id: l.person_id.clone(),
        })
        .collect()
}

#[test]
fn background_population_is_resolved() {
    let (_, records) = population(400);
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    assert_eq!(r.links.len(), records.len());
    let map = person_of(&r);
    for i in (0..400).step_by(2) {
        assert_eq!(
            pid(&map, "customers", &format!("C{i:05}")),
            pid(&map, "crm_contacts", &format!("K{i:05}")),
            "{i}"
        );
    }
    assert_eq!(r.persons.len(), 400);
    assert_eq!(r.persons.iter().map(|p| p.record_count).sum::<usize>(), records.len());
}

#[test]
fn every_record_appears_in_exactly_one_link() {
    let (_, records) = population(100);
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    let mut keys: Vec<(String, String)> = r
        .links
        .iter()
        .map(|l| (l.source.clone(), l.record_id.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), records.len());
    for l in &r.links {
        assert!(
            [
                "singleton",
                "exact_phone",
                "exact_email",
                "probabilistic",
                "manual_merge"
            ]
            .contains(&l.rule.as_str())
        );
        assert!((0.0..=1.0).contains(&l.score));
    }
}

#[test]
fn junk_phone_shared_by_a_thousand_records_merges_nobody() {
    let ps = people(1000, 7);
    let records: Vec<IdentityRecord> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            IdentityRecord::new("customers", format!("C{i:05}"))
                .with_name(p.name.clone())
                .with_phone("+8613800138000")
                .with_city(p.city.clone())
        })
        .collect();
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    assert!(r.stats.junk_values >= 1);
    // Persons may only form from other evidence (same name and city), never from the phone.
    for e in &r.evidence {
        assert_ne!(e.rule, "exact_phone");
        let phone = e.fields.iter().find(|f| f.field == "phone").map(|f| f.level.as_str());
        assert_eq!(phone, Some("junk"));
    }
    // The same with a blocklisted placeholder phone.
    let records: Vec<IdentityRecord> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            IdentityRecord::new("customers", format!("C{i:05}"))
                .with_name(p.name.clone())
                .with_phone("+8611111111111")
        })
        .collect();
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    assert!(r.evidence.iter().all(|e| e.rule != "exact_phone"));
    assert!(r.stats.junk_values >= 1);
}

#[test]
fn household_phone_does_not_merge() {
    let (ps, mut records) = population(300);
    // Two members of a household: same phone, different names and birth years.
    let mut mother = ps[1].clone();
    mother.name = "李秀英".into();
    mother.birth_year = 1962;
    mother.gender = "F";
    mother.email = "mother@163.com".into();
    let mut son = ps[1].clone();
    son.name = "王浩然".into();
    son.birth_year = 1995;
    son.gender = "M";
    son.email = "son@qq.com".into();
    son.phone.clone_from(&mother.phone);
    records.push(record("customers", "H1", &mother));
    records.push(record("crm_contacts", "H2", &son));
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    let map = person_of(&r);
    assert_ne!(pid(&map, "customers", "H1"), pid(&map, "crm_contacts", "H2"));
    // Nor does either join the person whose phone they carry.
    assert_ne!(pid(&map, "customers", "H1"), pid(&map, "customers", "C00001"));
    assert_ne!(pid(&map, "crm_contacts", "H2"), pid(&map, "customers", "C00001"));
}

#[test]
fn spelling_variants_merge_after_normalisation() {
    let (_, mut records) = population(200);
    let raw = [
        ("customers", "X1", "张 伟", "138-1234-5678", " Zhang.Wei@QQ.com "),
        ("crm_contacts", "X2", "张玮", "+86 138 1234 5678", "zhang.wei@qq.con"),
        (
            "crm_contacts",
            "X3",
            "张伟",
            "１３８１２３４５６７８",
            "ZHANG.WEI@QQ.COM",
        ),
    ];
    for (source, id, name, phone, email) in raw {
        records.push(IdentityRecord {
            name: normalize_name(name),
            phone: normalize_phone(phone),
            email: normalize_email(email),
            birth_year: Some(1988),
            city: Some("上海".into()),
            ..IdentityRecord::new(source, id)
        });
    }
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    let map = person_of(&r);
    let x1 = pid(&map, "customers", "X1");
    assert_eq!(x1, pid(&map, "crm_contacts", "X2"));
    assert_eq!(x1, pid(&map, "crm_contacts", "X3"));
}

#[test]
fn merge_and_unmerge_overrides_hold_and_survive_rebuilds() {
    let (_, records) = population(200);
    let key = |s: &str, id: &str| RecordKey::new(s, id);
    let overrides = vec![
        // C00000 and K00000 are the same person by the data; the steward says no.
        Override::Unmerge {
            a: key("customers", "C00000"),
            b: key("crm_contacts", "K00000"),
        },
        // C00001 and C00003 are different by the data; the steward says yes.
        Override::Merge {
            a: key("customers", "C00001"),
            b: key("customers", "C00003"),
        },
        // Unknown records are skipped.
        Override::Merge {
            a: key("customers", "NOPE"),
            b: key("customers", "C00005"),
        },
    ];
    let r = resolver().resolve(&records, &[], &overrides).expect("resolves");
    let check = |r: &Resolution| {
        let map = person_of(r);
        assert_ne!(pid(&map, "customers", "C00000"), pid(&map, "crm_contacts", "K00000"));
        assert_eq!(pid(&map, "customers", "C00001"), pid(&map, "customers", "C00003"));
        let link = r
            .links
            .iter()
            .find(|l| l.record_id == "C00003")
            .map(|l| (l.rule.clone(), l.score));
        assert_eq!(link, Some(("manual_merge".to_string(), 1.0)));
        assert!(r.evidence.iter().any(|e| e.rule == "manual_merge"));
        assert_eq!(r.stats.overrides_unknown_record, 1);
    };
    check(&r);
    let again = resolver()
        .resolve(&records, &previous_of(&r), &overrides)
        .expect("resolves");
    check(&again);
    assert_eq!(person_of(&r), person_of(&again));
}

#[test]
fn unmerge_wins_over_contradicting_merges() {
    let (_, records) = population(50);
    let key = |id: &str| RecordKey::new("customers", id);
    let overrides = vec![
        Override::Merge {
            a: key("C00010"),
            b: key("C00011"),
        },
        Override::Merge {
            a: key("C00011"),
            b: key("C00012"),
        },
        Override::Unmerge {
            a: key("C00010"),
            b: key("C00012"),
        },
    ];
    let r = resolver().resolve(&records, &[], &overrides).expect("resolves");
    let map = person_of(&r);
    assert_ne!(pid(&map, "customers", "C00010"), pid(&map, "customers", "C00012"));
    assert_eq!(r.stats.overrides_conflicting, 1);
}

#[test]
fn ids_are_stable_across_an_identical_rebuild() {
    let (_, records) = population(300);
    let first = resolver().resolve(&records, &[], &[]).expect("resolves");
    let second = resolver()
        .resolve(&records, &previous_of(&first), &[])
        .expect("resolves");
    assert_eq!(first.links, second.links);
    assert_eq!(first.persons, second.persons);
    assert_eq!(second.stats.persons_with_new_id, 0);
    for p in &first.persons {
        assert_eq!(p.person_id.len(), 13);
        assert!(p.person_id.starts_with('P'));
        assert!(
            p.person_id[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }
}

#[test]
fn ids_are_stable_when_a_record_joins_a_person() {
    let (ps, mut records) = population(300);
    let first = resolver().resolve(&records, &[], &[]).expect("resolves");
    let before = person_of(&first);
    // A new CRM record of person 3 (customer C00003, no CRM record so far).
    records.push(record("crm_contacts", "K99999", &ps[3]));
    let second = resolver()
        .resolve(&records, &previous_of(&first), &[])
        .expect("resolves");
    let after = person_of(&second);
    assert_eq!(
        pid(&after, "crm_contacts", "K99999"),
        pid(&before, "customers", "C00003")
    );
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{k:?}");
    }
    assert_eq!(second.persons.len(), first.persons.len());
}

#[test]
fn split_keeps_the_id_for_the_larger_part() {
    let (_, records) = population(100);
    let first = resolver().resolve(&records, &[], &[]).expect("resolves");
    let map = person_of(&first);
    let old = pid(&map, "customers", "C00002");
    assert_eq!(old, pid(&map, "crm_contacts", "K00002"));
    let ov = vec![Override::Unmerge {
        a: RecordKey::new("customers", "C00002"),
        b: RecordKey::new("crm_contacts", "K00002"),
    }];
    let second = resolver()
        .resolve(&records, &previous_of(&first), &ov)
        .expect("resolves");
    let map2 = person_of(&second);
    let (a, b) = (pid(&map2, "customers", "C00002"), pid(&map2, "crm_contacts", "K00002"));
    assert_ne!(a, b);
    // Equal parts: exactly one keeps the old id.
    assert!(a == old || b == old);
}

#[test]
fn output_is_deterministic_and_independent_of_input_order() {
    let (_, records) = population(300);
    let a = resolver().resolve(&records, &[], &[]).expect("resolves");
    let b = resolver().resolve(&records, &[], &[]).expect("resolves");
    assert_eq!(a, b);
    let mut reversed = records.clone();
    reversed.reverse();
    let c = resolver().resolve(&reversed, &[], &[]).expect("resolves");
    assert_eq!(a, c);
    let ja = serde_json_like(&a);
    let jc = serde_json_like(&c);
    assert_eq!(ja, jc);
}

fn serde_json_like(r: &Resolution) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

#[test]
fn outputs_never_contain_pii() {
    let (ps, records) = population(200);
    let r = resolver().resolve(&records, &[], &[]).expect("resolves");
    let json = serde_json::to_string(&r).unwrap_or_default();
    assert!(!json.is_empty());
    for p in &ps {
        assert!(!json.contains(&p.name));
        assert!(!json.contains(&p.phone));
        assert!(!json.contains(&p.phone[3..]));
        assert!(!json.contains(&p.email));
    }
    // Evidence explains with fields, levels and weights.
    let e = r.evidence.first().expect("some evidence");
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "phone", "email", "birth_year", "city", "gender"]);
    for f in &e.fields {
        assert!(["exact", "fuzzy", "disagree", "missing", "junk"].contains(&f.level.as_str()));
    }
}

#[test]
fn person_size_is_capped() {
    // Thirty records of one name sharing one phone: allowed as identifier, capped as person.
    let records: Vec<IdentityRecord> = (0..30)
        .map(|i| {
            IdentityRecord::new("customers", format!("C{i:03}"))
                .with_name("张伟")
                .with_phone("+8613912345678")
                .with_birth_year(1990)
        })
        .collect();
    let r = Resolver::builder()
        .max_records_per_identifier(100)
        .max_records_per_person(10)
        .build()
        .expect("valid")
        .resolve(&records, &[], &[])
        .expect("resolves");
    assert!(r.persons.iter().all(|p| p.record_count <= 10));
    assert_eq!(r.persons.iter().map(|p| p.record_count).sum::<usize>(), 30);
    assert!(r.stats.edges_cut_by_size > 0);
}

#[test]
fn invalid_input_is_an_error() {
    let records = vec![
        IdentityRecord::new("customers", "C1"),
        IdentityRecord::new("customers", "C1"),
    ];
    assert!(resolver().resolve(&records, &[], &[]).is_err());
    let records = vec![IdentityRecord::new("", "C1")];
    assert!(resolver().resolve(&records, &[], &[]).is_err());
}
