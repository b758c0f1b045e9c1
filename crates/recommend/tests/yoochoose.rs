//! Next-item evaluation on the YooChoose (RecSys Challenge 2015) click sample
//! shipped in `shared/data/yoochoose_clicks` (see its README): the last day
//! is held out and every next click of a held-out session is predicted.
//!
//! The data folder is `$HUAXIANG_SHARED` or `../shared` beside the workspace
//! root. Without it the test is skipped, unless `CI` is set.

use std::collections::HashMap;
use std::path::PathBuf;

use huaxiang_recommend::{NextItemModel, NextItemParams, Session, SessionSplit, evaluate_next_item};

const FILE: &str = "data/yoochoose_clicks/yoochoose-clicks-100k_train_full.txt";

fn data_file() -> Option<PathBuf> {
    let shared = match std::env::var_os("HUAXIANG_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let path = shared.join(FILE);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing (CI is set, so this is an error)", path.display());
    }
    eprintln!("skipping: {} not found (set HUAXIANG_SHARED)", path.display());
    None
}

/// `SessionId<TAB>ItemId<TAB>Time` with a header line.
fn load(path: &PathBuf) -> Vec<Session> {
    let text = std::fs::read_to_string(path).expect("read the YooChoose sample");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("SessionId\tItemId\tTime"), "header");
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut sessions: Vec<Session> = Vec::new();
    for line in lines {
        let mut f = line.split('\t');
        let (Some(sid), Some(item), Some(time)) = (f.next(), f.next(), f.next()) else {
            panic!("bad line {line:?}");
        };
        let time: f64 = time.parse().expect("unix seconds");
        let at = *index.entry(sid).or_insert_with(|| {
            sessions.push(Session::new(sid));
            sessions.len() - 1
        });
        sessions[at].clicks.push((time, item.to_owned()));
    }
    for s in &mut sessions {
        s.sort();
    }
    sessions
}

#[test]
fn next_item_on_yoochoose_last_day() {
    let Some(path) = data_file() else { return };
    let sessions = load(&path);
    assert_eq!(sessions.len(), 17_794, "README: 17,794 sessions");
    assert_eq!(sessions.iter().map(|s| s.clicks.len()).sum::<usize>(), 70_278);

    let report = evaluate_next_item(&sessions, 86_400.0, 20).expect("evaluate");
    eprintln!("{}", serde_json::to_string(&report).expect("json"));
    assert!(report.predictions > 10_000, "{report:?}");
    assert!(report.model.hr >= 0.6, "HR@20 {} < 0.6", report.model.hr);
    assert!(report.model.mrr >= 0.3, "MRR@20 {} < 0.3", report.model.mrr);
    // README reference: popularity HR@20 ≈ 0.09
    assert!(
        (0.07..=0.11).contains(&report.popularity.hr),
        "popularity HR@20 {}",
        report.popularity.hr
    );

    // plain co-occurrence is the starting point the default improves on
    let split = SessionSplit::new(&sessions, 86_400.0).expect("split");
    let cooc = split.fit(&NextItemParams::cooccurrence()).expect("fit");
    let (m, n) = split.score(&cooc, 20);
    eprintln!("co-occurrence HR@20 {:.4} MRR@20 {:.4} over {n}", m.hr, m.mrr);
    assert_eq!(n, report.predictions);
    assert!(m.hr > 0.5 && m.hr < report.model.hr, "{m:?}");
}

#[test]
fn predict_from_a_live_prefix() {
    let Some(path) = data_file() else { return };
    let sessions = load(&path);
    let model = NextItemModel::fit(&sessions, &NextItemParams::default()).expect("fit");
    assert!(model.repeat_share() > 0.3 && model.repeat_share() < 0.4);
    let session = sessions
        .iter()
        .find(|s| s.clicks.len() >= 3)
        .expect("a session with 3 clicks");
    let prefix: Vec<&str> = session.clicks[..2].iter().map(|c| c.1.as_str()).collect();
    let next = model.predict(&prefix, 20);
    assert_eq!(next.len(), 20);
    assert!(next.windows(2).all(|w| w[0].1 >= w[1].1), "sorted by score");
    // unknown items are ignored: the answer is the popularity fill
    assert_eq!(model.predict(&["no-such-item"], 5).len(), 5);
}
