//! End-to-end checks of the generated files: schema, invariants, dirt, truth, determinism.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use huaxiang_demo::{CUTOFF, DemoError, DemoOptions, DemoSummary, generate};

type TestResult = Result<(), Box<dyn Error>>;

/// A generated data set kept for the whole test binary.
struct Generated {
    _dir: tempfile::TempDir,
    path: PathBuf,
    summary: DemoSummary,
}

fn make(customers: usize, seed: u64) -> Generated {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    let opts = DemoOptions::default().with_customers(customers).with_seed(seed);
    let summary = generate(&opts, &path).expect("generation succeeds");
    Generated {
        _dir: dir,
        path,
        summary,
    }
}

/// The 500-customer run used for the invariants.
fn small() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| make(500, 42))
}

/// A 3,000-customer run, large enough for the planted rates to show.
fn medium() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| make(3000, 7))
}

/// A file as a header and rows of owned strings.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }
}

fn read(dir: &Path, name: &str) -> Result<Table, Box<dyn Error>> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_path(dir.join(name))?;
    let header = r.headers()?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        rows.push(rec?.iter().map(str::to_owned).collect());
    }
    Ok(Table { header, rows })
}

fn cents(s: &str) -> i64 {
    let (units, frac) = s.split_once('.').expect("two decimals");
    assert_eq!(frac.len(), 2, "money has two decimals: {s}");
    units.parse::<i64>().expect("units") * 100 + frac.parse::<i64>().expect("cents")
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 25
        && s.ends_with("+08:00")
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19..=24 => true,
            _ => c.is_ascii_digit(),
        })
}

fn id_ok(s: &str, prefix: char, digits: usize) -> bool {
    s.len() == digits + 1 && s.starts_with(prefix) && s[1..].bytes().all(|b| b.is_ascii_digit())
}

const EXPECTED_HEADERS: [(&str, &str); 12] = [
    (
        "customers.csv",
        "customer_id,name,gender,birth_year,city,city_tier,signup_time,acquisition_channel,member_level,phone,email",
    ),
    (
        "crm_contacts.csv",
        "crm_id,name,phone,email,city,birth_year,gender,created_at",
    ),
    ("products.csv", "product_id,category,list_price"),
    (
        "orders.csv",
        "order_id,customer_id,order_time,channel,amount,discount,coupon_used,status",
    ),
    ("order_items.csv", "order_id,product_id,category,unit_price,qty"),
    (
        "events.csv",
        "event_id,event_time,customer_id,anonymous_id,session_id,event_type,product_id,category,device,channel",
    ),
    ("tickets.csv", "ticket_id,customer_id,created_at,channel,text,rating"),
    ("touches.csv", "touch_id,customer_id,touch_time,channel,campaign_id"),
    ("experiment.csv", "customer_id,experiment_id,variant,converted"),
    ("truth/identity.csv", "source,record_id,person_id"),
    ("truth/segments.csv", "customer_id,segment"),
    ("truth/tickets.csv", "ticket_id,sentiment,topic"),
];

#[test]
fn headers_match_the_reference_schema() -> TestResult {
    let g = small();
    for (file, header) in EXPECTED_HEADERS {
        let text = std::fs::read_to_string(g.path.join(file))?;
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(first, header, "header of {file}");
        let rows = text.lines().count() as u64 - 1;
        assert_eq!(g.summary.rows(file), Some(rows), "row count of {file}");
        assert!(rows > 0, "{file} is empty");
    }
    assert_eq!(g.summary.files.len(), 12);
    assert_eq!(g.summary.cutoff, CUTOFF);
    Ok(())
}

#[test]
fn ids_timestamps_and_the_cutoff() -> TestResult {
    let g = small();
    let checks: [(&str, &str, char, usize, &[&str]); 6] = [
        ("customers.csv", "customer_id", 'C', 8, &["signup_time"]),
        ("crm_contacts.csv", "crm_id", 'K', 8, &["created_at"]),
        ("orders.csv", "order_id", 'O', 9, &["order_time"]),
        ("events.csv", "event_id", 'E', 10, &["event_time"]),
        ("tickets.csv", "ticket_id", 'T', 8, &["created_at"]),
        ("touches.csv", "touch_id", 'M', 9, &["touch_time"]),
    ];
    for (file, id_col, prefix, digits, ts_cols) in checks {
        let t = read(&g.path, file)?;
        let ic = t.col(id_col);
        for (k, row) in t.rows.iter().enumerate() {
            assert!(id_ok(&row[ic], prefix, digits), "{file}: {}", row[ic]);
            assert_eq!(row[ic][1..].parse::<usize>()?, k + 1, "{file} ids are sequential");
            for c in ts_cols {
                let ts = &row[t.col(c)];
                assert!(is_timestamp(ts), "{file}.{c}: {ts}");
                assert!(ts.as_str() >= "2024-07-01T00:00:00+08:00" && ts.as_str() < CUTOFF);
            }
        }
    }
    // Numbered in time order.
    for (file, col) in [
        ("customers.csv", "signup_time"),
        ("orders.csv", "order_time"),
        ("events.csv", "event_time"),
        ("tickets.csv", "created_at"),
        ("touches.csv", "touch_time"),
    ] {
        let t = read(&g.path, file)?;
        let c = t.col(col);
        assert!(t.rows.windows(2).all(|w| w[0][c] <= w[1][c]), "{file} in {col} order");
    }
    let p = read(&g.path, "products.csv")?;
    assert_eq!(p.rows.len(), 2000);
    assert!(p.rows.iter().all(|r| id_ok(&r[0], 'P', 5)));
    Ok(())
}

#[test]
fn order_money_adds_up_to_the_cent() -> TestResult {
    let g = small();
    let orders = read(&g.path, "orders.csv")?;
    let items = read(&g.path, "order_items.csv")?;
    let products = read(&g.path, "products.csv")?;
    let catalog: HashMap<&str, (&str, i64)> = products
        .rows
        .iter()
        .map(|r| (r[0].as_str(), (r[1].as_str(), cents(&r[2]))))
        .collect();
    let mut gross: HashMap<&str, i64> = HashMap::new();
    let mut last: Option<(&str, &str)> = None;
    for r in &items.rows {
        let (order, product) = (r[0].as_str(), r[1].as_str());
        if let Some(prev) = last {
            assert!(prev < (order, product), "items sorted by order then product, distinct");
        }
        last = Some((order, product));
        let (category, list) = catalog[product];
        assert_eq!(r[2], category);
        let unit = cents(&r[3]);
        assert!(unit <= list && unit as f64 >= list as f64 * 0.79, "{unit} vs {list}");
        let qty: i64 = r[4].parse()?;
        assert!((1..=30).contains(&qty));
        *gross.entry(order).or_default() += unit * qty;
    }
    let (mut coupons, mut refunds) = (0, 0);
    for r in &orders.rows {
        let amount = cents(&r[4]);
        let discount = cents(&r[5]);
        assert!(amount > 0 && discount >= 0);
        assert_eq!(amount + discount, gross[r[0].as_str()], "order {}", r[0]);
        let coupon = match r[6].as_str() {
            "1" => true,
            "0" => false,
            other => panic!("coupon_used {other}"),
        };
        assert_eq!(discount > 0, coupon, "discount > 0 exactly with a coupon ({})", r[0]);
        if coupon {
            coupons += 1;
            let share = discount as f64 / (amount + discount) as f64;
            assert!((0.04..=0.31).contains(&share), "discount share {share}");
        }
        match r[7].as_str() {
            "paid" => {}
            "refunded" => refunds += 1,
            other => panic!("status {other}"),
        }
        assert!(["app", "web", "mini_program", "store"].contains(&r[3].as_str()));
    }
    assert_eq!(gross.len(), orders.rows.len(), "every order has items");
    assert!(coupons > 0 && refunds > 0);
    Ok(())
}

#[test]
fn every_online_order_has_exactly_one_purchase_event() -> TestResult {
    let g = small();
    let orders = read(&g.path, "orders.csv")?;
    let events = read(&g.path, "events.csv")?;
    let mut expected: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for r in orders.rows.iter().filter(|r| r[3] != "store") {
        *expected.entry((r[1].clone(), r[2].clone(), r[3].clone())).or_default() += 1;
    }
    let mut seen: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for r in events.rows.iter().filter(|r| r[5] == "purchase") {
        assert!(!r[2].is_empty(), "purchase events are identified");
        *seen.entry((r[2].clone(), r[1].clone(), r[9].clone())).or_default() += 1;
    }
    assert!(orders.rows.iter().any(|r| r[3] == "store"));
    assert!(!expected.is_empty());
    assert_eq!(expected, seen);
    Ok(())
}

/// Funnel stage of an event type at a position (0 = session start).
fn stage(kind: &str, pos: usize) -> usize {
    match kind {
        "app_open" | "push_click" => 0,
        "page_view" if pos == 0 => 0,
        "page_view" => 1,
        "search" => 2,
        "product_view" => 3,
        "coupon_claim" => 4,
        "add_to_cart" => 5,
        "begin_checkout" => 6,
        "purchase" => 7,
        other => panic!("unknown event type {other}"),
    }
}

#[test]
fn sessions_follow_the_funnel_and_log_in_part_way() -> TestResult {
    let g = small();
    let events = read(&g.path, "events.csv")?;
    let mut sessions: BTreeMap<u64, Vec<&Vec<String>>> = BTreeMap::new();
    let mut prev: Option<(&str, u64)> = None;
    for r in &events.rows {
        let sid: u64 = r[4][1..].parse()?;
        assert!(id_ok(&r[4], 'S', 9));
        if let Some(p) = prev {
            assert!(p <= (r[1].as_str(), sid), "events sorted by time then session");
        }
        prev = Some((r[1].as_str(), sid));
        let anon = &r[3];
        assert!(
            anon.len() == 16
                && anon.starts_with('a')
                && anon[1..]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "anonymous_id {anon}"
        );
        assert!(["ios", "android", "windows", "mac"].contains(&r[8].as_str()));
        assert!(["app", "web", "mini_program"].contains(&r[9].as_str()));
        let with_product = matches!(r[5].as_str(), "product_view" | "add_to_cart");
        assert_eq!(!r[6].is_empty(), with_product, "product_id on {}", r[5]);
        assert_eq!(
            !r[7].is_empty(),
            with_product || r[5] == "search",
            "category on {}",
            r[5]
        );
        sessions.entry(sid).or_default().push(r);
    }
    let ids: Vec<u64> = sessions.keys().copied().collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>(), "session ids are dense");
    let starts: Vec<&str> = sessions.values().map(|s| s[0][1].as_str()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "session ids follow start time");

    let (mut logged_in, mut mid, mut anonymous) = (0, 0, 0);
    let mut pushes = 0;
    for evs in sessions.values() {
        let first = evs[0];
        assert!(["app_open", "page_view", "push_click"].contains(&first[5].as_str()));
        pushes += usize::from(first[5] == "push_click");
        let mut last_stage = 0;
        let mut customer: Option<&str> = None;
        for (pos, e) in evs.iter().enumerate() {
            let st = stage(&e[5], pos);
            assert!(st >= last_stage, "funnel order in session {}", e[4]);
            last_stage = st;
            assert_eq!((&e[3], &e[8], &e[9]), (&first[3], &first[8], &first[9]));
            match (customer, e[2].as_str()) {
                (None, "") => {}
                (None, c) => customer = Some(c),
                (Some(c), now) => assert_eq!(c, now, "login is permanent within a session"),
            }
        }
        assert!(evs.iter().any(|e| e[5] == "product_view"));
        match (first[2].is_empty(), customer) {
            (false, _) => logged_in += 1,
            (true, Some(_)) => mid += 1,
            (true, None) => anonymous += 1,
        }
    }
    let n = (logged_in + mid + anonymous) as f64;
    assert!(logged_in as f64 / n > 0.45, "logged in {logged_in}/{n}");
    assert!(mid as f64 / n > 0.2, "mid-session logins {mid}/{n}");
    assert!(anonymous as f64 / n > 0.03, "anonymous {anonymous}/{n}");
    assert!(pushes > 0);
    let per_customer = events.rows.len() as f64 / 500.0;
    assert!(
        (20.0..60.0).contains(&per_customer),
        "{per_customer} events per customer"
    );
    Ok(())
}

#[test]
fn touches_tickets_and_experiments_are_well_formed() -> TestResult {
    let g = small();
    let touches = read(&g.path, "touches.csv")?;
    let codes: HashMap<&str, &str> = [
        ("push", "PUSH"),
        ("sms", "SMS"),
        ("email", "EMAIL"),
        ("ad_search", "SEARCH"),
        ("ad_social", "SOCIAL"),
        ("kol", "KOL"),
    ]
    .into_iter()
    .collect();
    let mut channels = HashSet::new();
    for r in &touches.rows {
        let code = codes[r[3].as_str()];
        channels.insert(r[3].clone());
        let month = format!("{}{}", &r[2][..4], &r[2][5..7]);
        let (c, rest) = r[4].split_once('-').expect("campaign id");
        let (m, k) = rest.split_once('-').expect("campaign id");
        assert_eq!((c, m), (code, month.as_str()), "{}", r[4]);
        assert!(["01", "02", "03"].contains(&k));
    }
    assert_eq!(channels.len(), 6);

    let tickets = read(&g.path, "tickets.csv")?;
    let truth = read(&g.path, "truth/tickets.csv")?;
    assert_eq!(tickets.rows.len(), truth.rows.len());
    let missing = tickets.rows.iter().filter(|r| r[5].is_empty()).count();
    for r in &tickets.rows {
        assert!(["app_chat", "phone", "web_form", "mini_program"].contains(&r[3].as_str()));
        assert!(r[4].chars().count() >= 4);
        assert!(r[5].is_empty() || ["1", "2", "3", "4", "5"].contains(&r[5].as_str()));
    }
    assert!(missing > 0 && missing < tickets.rows.len() / 4);
    for r in &truth.rows {
        assert!(["negative", "neutral", "positive"].contains(&r[1].as_str()));
        assert!(["物流", "退款", "质量", "价格", "客服态度", "账户", "发票"].contains(&r[2].as_str()));
    }

    let ex = read(&g.path, "experiment.csv")?;
    let mut seen = HashSet::new();
    for r in &ex.rows {
        assert!(["EXP01", "EXP02"].contains(&r[1].as_str()));
        assert!(["A", "B"].contains(&r[2].as_str()));
        assert!(["0", "1"].contains(&r[3].as_str()));
        assert!(
            seen.insert((r[1].clone(), r[0].clone())),
            "one row per customer and test"
        );
    }
    assert!(ex.rows.windows(2).all(|w| (&w[0][1], &w[0][0]) < (&w[1][1], &w[1][0])));
    Ok(())
}

/// Digits only, without the country code: what a naive phone match compares.
fn normal_phone(p: &str) -> String {
    let d: String = p.chars().filter(char::is_ascii_digit).collect();
    d.strip_prefix("86")
        .filter(|r| r.len() == 11)
        .map_or(d.clone(), str::to_owned)
}

#[test]
fn duplicates_and_household_phones_are_planted_in_the_truth() -> TestResult {
    for g in [small(), medium()] {
        let customers = read(&g.path, "customers.csv")?;
        let crm = read(&g.path, "crm_contacts.csv")?;
        let identity = read(&g.path, "truth/identity.csv")?;
        let n = customers.rows.len();
        assert_eq!(identity.rows.len(), n + crm.rows.len());
        let person: HashMap<&str, &str> = identity.rows.iter().map(|r| (r[1].as_str(), r[2].as_str())).collect();
        assert!(identity.rows[..n].iter().all(|r| r[0] == "customers"));
        assert!(identity.rows[n..].iter().all(|r| r[0] == "crm_contacts"));

        // Duplicate accounts: one person, two customer records.
        let mut accounts_per_person: HashMap<&str, usize> = HashMap::new();
        for r in &identity.rows[..n] {
            *accounts_per_person.entry(r[2].as_str()).or_default() += 1;
        }
        let dups: usize = accounts_per_person.values().map(|c| c - 1).sum();
        assert!(dups >= n / 200 && dups <= n / 50, "{dups} duplicate accounts of {n}");

        // Household phones: the same phone on records of different people.
        let mut by_phone: HashMap<String, HashSet<&str>> = HashMap::new();
        for r in customers.rows.iter().filter(|r| !r[9].is_empty()) {
            by_phone
                .entry(normal_phone(&r[9]))
                .or_default()
                .insert(person[r[0].as_str()]);
        }
        let shared = by_phone.values().filter(|p| p.len() > 1).count();
        assert!(shared >= 1, "household phones planted");

        // CRM: ~60% of account people, CRM-only people, ~2% duplicates.
        let account_people: HashSet<&str> = accounts_per_person.keys().copied().collect();
        let crm_people: Vec<&str> = identity.rows[n..].iter().map(|r| r[2].as_str()).collect();
        let distinct: HashSet<&str> = crm_people.iter().copied().collect();
        let covered = account_people.intersection(&distinct).count() as f64;
        let coverage = covered / account_people.len() as f64;
        assert!((0.5..0.7).contains(&coverage), "CRM coverage {coverage}");
        let crm_only = distinct.difference(&account_people).count() as f64;
        assert!((crm_only / n as f64 - 0.15).abs() < 0.01);
        assert!(crm_people.len() > distinct.len(), "CRM duplicates planted");
    }
    Ok(())
}

#[test]
fn planted_dirt_shows_up_at_roughly_the_documented_rates() -> TestResult {
    let g = medium();
    let c = read(&g.path, "customers.csv")?;
    let n = c.rows.len() as f64;
    let share = |f: &dyn Fn(&Vec<String>) -> bool| c.rows.iter().filter(|r| f(r)).count() as f64 / n;
    let near = |got: f64, want: f64| (got - want).abs() <= want * 0.5 + 0.003;
    assert!(near(share(&|r| r[1].is_empty()), 0.01));
    assert!(near(share(&|r| r[2].is_empty()), 0.03));
    assert!(near(share(&|r| r[3].is_empty()), 0.02));
    let impossible = share(&|r| r[3].parse::<i64>().is_ok_and(|y| !(1930..=2015).contains(&y)));
    assert!(
        impossible > 0.0 && near(impossible, 0.005),
        "impossible birth years {impossible}"
    );
    assert!(near(share(&|r| r[4].is_empty()), 0.02));
    assert!(near(share(&|r| r[5].is_empty()), 0.02));
    assert!(near(share(&|r| r[8].is_empty()), 0.01));
    assert!(near(share(&|r| r[9].is_empty()), 0.03));
    assert!(near(share(&|r| r[9].len() == 11), 0.75 * 0.97));
    assert!(near(share(&|r| r[9].len() == 13 && r[9].contains('-')), 0.15 * 0.97));
    assert!(near(share(&|r| r[9].starts_with("+86 ")), 0.10 * 0.97));
    assert!(near(share(&|r| r[10].is_empty()), 0.05));
    assert!(near(share(&|r| r[10].starts_with(' ') || r[10].ends_with(' ')), 0.095));
    assert!(near(
        share(&|r| r[10].contains(|ch: char| ch.is_ascii_uppercase())),
        0.19
    ));
    assert!(c.rows.iter().all(|r| r[2].is_empty() || r[2] == "M" || r[2] == "F"));
    assert!(
        c.rows
            .iter()
            .all(|r| r[8].is_empty() || ["普通", "白银", "黄金", "铂金"].contains(&r[8].as_str()))
    );

    let crm = read(&g.path, "crm_contacts.csv")?;
    let phones: Vec<&str> = crm.rows.iter().map(|r| r[2].as_str()).collect();
    assert!(phones.iter().any(|p| p.starts_with("+86-") && p.len() == 17));
    assert!(phones.iter().any(|p| p.starts_with("86") && p.len() == 13));
    assert!(phones.iter().any(|p| p.len() == 13 && p.contains(' ')));
    assert!(
        crm.rows
            .iter()
            .any(|r| r[3].ends_with(".con") || r[3].ends_with(".CON"))
    );
    let one_missing = crm
        .rows
        .iter()
        .filter(|r| [1, 2, 3, 4, 5].iter().any(|&i| r[i].is_empty()))
        .count() as f64
        / crm.rows.len() as f64;
    assert!((0.25..0.35).contains(&one_missing), "{one_missing}");
    Ok(())
}

#[test]
fn segments_behave_differently() -> TestResult {
    let g = medium();
    let segments = read(&g.path, "truth/segments.csv")?;
    let orders = read(&g.path, "orders.csv")?;
    let seg: HashMap<&str, &str> = segments.rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    let names: HashSet<&str> = seg.values().copied().collect();
    assert_eq!(names.len(), 6);
    // (orders, night orders, coupon orders, gross spend in cents)
    let mut stats: HashMap<&str, (f64, f64, f64, f64)> = HashMap::new();
    for r in &orders.rows {
        let s = stats.entry(seg[r[1].as_str()]).or_default();
        let hour: u32 = r[2][11..13].parse()?;
        s.0 += 1.0;
        s.1 += f64::from(u8::from([22, 23, 0, 1].contains(&hour)));
        s.2 += f64::from(u8::from(r[6] == "1"));
        s.3 += (cents(&r[4]) + cents(&r[5])) as f64;
    }
    let night = |s: &str| stats[s].1 / stats[s].0;
    let coupon = |s: &str| stats[s].2 / stats[s].0;
    let value = |s: &str| stats[s].3 / stats[s].0 / 100.0;
    assert!(night("深夜冲动") > 0.5, "night share {}", night("深夜冲动"));
    assert!(night("高价值忠诚") < 0.25);
    assert!(coupon("价格敏感") > 0.6, "coupon share {}", coupon("价格敏感"));
    assert!(coupon("高价值忠诚") < 0.3);
    assert!(value("高价值忠诚") > 2.0 * value("价格敏感"));
    let per_customer = |s: &str| stats[s].0 / seg.values().filter(|&&v| v == s).count() as f64;
    assert!(per_customer("高价值忠诚") > 3.0 * per_customer("浏览不买"));
    Ok(())
}

#[test]
fn same_options_give_byte_identical_files() -> TestResult {
    let a = small();
    let b = make(500, 42);
    let c = make(500, 43);
    assert_eq!(a.summary, b.summary);
    for (file, _) in &a.summary.files {
        let x = std::fs::read(a.path.join(file))?;
        let y = std::fs::read(b.path.join(file))?;
        assert!(x == y, "{file} differs between identical runs");
    }
    let x = std::fs::read(a.path.join("events.csv"))?;
    let z = std::fs::read(c.path.join("events.csv"))?;
    assert_ne!(x, z, "another seed gives other data");
    Ok(())
}

#[test]
fn bad_options_and_paths_are_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let err = generate(&DemoOptions::new().with_customers(0), dir.path());
    assert!(matches!(err, Err(DemoError::InvalidCustomerCount { got: 0, .. })));
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x")?;
    match generate(&DemoOptions::new().with_customers(10), &file) {
        Err(DemoError::CreateDir { path, .. }) => assert_eq!(path, file),
        other => panic!("expected CreateDir, got {other:?}"),
    }
    let tiny = generate(&DemoOptions::new().with_customers(1), &dir.path().join("one"))?;
    assert_eq!(tiny.rows("customers.csv"), Some(1));
    Ok(())
}

/// `cargo test --release -p huaxiang-demo -- --ignored --nocapture scale`
#[test]
#[ignore = "timing run; use a release build"]
fn scale_10k() -> TestResult {
    let dir = tempfile::tempdir()?;
    let customers: usize = std::env::var("DEMO_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let t = Instant::now();
    let s = generate(&DemoOptions::new().with_customers(customers), dir.path())?;
    let secs = t.elapsed().as_secs_f64();
    println!("{customers} customers in {secs:.2} s");
    for (f, r) in &s.files {
        println!("  {f:22} {r:>10}");
    }
    Ok(())
}
