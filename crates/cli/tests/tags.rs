//! Tags end to end on demo data: validation when saved, the built-in RFM
//! tags, rule, imported and manual tags, versions, per-build snapshots and
//! the one-query "who entered or left", coverage, lineage and staleness.

mod common;

use std::path::Path;

use common::*;

/// Data rows of a CSV query.
fn rows(ws: &Path, sql: &str) -> Vec<String> {
    ok(ws, &["sql", "--format", "csv", sql])
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn json(ws: &Path, args: &[&str]) -> serde_json::Value {
    let out = ok(ws, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Runs a command that must fail; returns its stderr.
fn fails(ws: &Path, args: &[&str]) -> String {
    let out = hx(ws, args);
    assert!(!out.status.success(), "huaxiang {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn tag_status<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    list.as_array()
        .and_then(|a| a.iter().find(|t| t["tag_id"] == id))
        .unwrap_or_else(|| panic!("{id} not listed: {list}"))
}

#[test]
fn tags_end_to_end() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 1500, 7);

    // Rules need the features: before the first build the user is told to build.
    let err = fails(&ws, &["tag", "add", "--id", "loyal", "--expr", "frequency >= 3"]);
    assert!(err.contains("huaxiang build"), "{err}");

    ingest_tables(&ws, &data, &["customers", "orders", "order_items", "events", "tickets"]);
    ok(&ws, &["build"]);

    // Built-in RFM: buyers only, eight groups against the means, quintile digits 1–5.
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM person_tags t JOIN features f ON f.person_id = t.person_id \
             WHERE (t.rfm_score IS NULL) <> (f.frequency = 0) OR (t.rfm_group IS NULL) <> (f.frequency = 0)"
        ),
        "0"
    );
    let mismatched_groups = scalar(
        &ws,
        "WITH b AS (SELECT person_id, recency_days r, frequency f, monetary m FROM features WHERE frequency > 0), \
         s AS (SELECT person_id, \
           (CASE WHEN r < avg(r) OVER () THEN 'H' ELSE 'L' END) || (CASE WHEN f > avg(f) OVER () THEN 'H' ELSE 'L' END) \
           || (CASE WHEN m > avg(m) OVER () THEN 'H' ELSE 'L' END) AS code FROM b) \
         SELECT count(*) FROM s JOIN person_tags t ON t.person_id = s.person_id WHERE t.rfm_group <> CASE s.code \
           WHEN 'HHH' THEN '重要价值客户' WHEN 'HLH' THEN '重要发展客户' WHEN 'LHH' THEN '重要保持客户' \
           WHEN 'LLH' THEN '重要挽留客户' WHEN 'HHL' THEN '一般价值客户' WHEN 'HLL' THEN '一般发展客户' \
           WHEN 'LHL' THEN '一般保持客户' ELSE '一般挽留客户' END",
    );
    assert_eq!(mismatched_groups, "0");
    assert_eq!(scalar(&ws, "SELECT count(DISTINCT rfm_group) FROM person_tags"), "8");
    // Equal frequencies share an F digit, and more orders never score lower.
    let f_digits = "SELECT f.frequency AS fr, min(substr(t.rfm_score, 2, 1)) AS lo, max(substr(t.rfm_score, 2, 1)) AS hi \
                    FROM person_tags t JOIN features f ON f.person_id = t.person_id WHERE f.frequency > 0 GROUP BY 1";
    assert_eq!(
        scalar(
            &ws,
            &format!(
                "WITH d AS ({f_digits}) SELECT count(*) FROM d a JOIN d b ON a.fr < b.fr \
                 WHERE a.hi > b.lo OR a.lo <> a.hi"
            )
        ),
        "0"
    );
    assert_eq!(
        rows(
            &ws,
            "SELECT DISTINCT substr(t.rfm_score, 1, 1) FROM person_tags t JOIN features f ON f.person_id = t.person_id \
             WHERE f.recency_days = (SELECT min(recency_days) FROM features) \
             OR f.recency_days = (SELECT max(recency_days) FROM features) ORDER BY 1"
        ),
        vec!["1", "5"]
    );

    // Validation when saved: unknown columns, type errors, cycles.
    let err = fails(&ws, &["tag", "add", "--id", "x", "--expr", "frequncy >= 3"]);
    assert!(err.contains("`frequncy`") && err.contains("`frequency`"), "{err}");
    let err = fails(&ws, &["tag", "add", "--id", "x", "--expr", "monetary * 2"]);
    assert!(err.contains("type error") && err.contains("boolean"), "{err}");
    let err = fails(&ws, &["tag", "add", "--id", "Bad-Id", "--expr", "true"]);
    assert!(err.contains("Bad-Id"), "{err}");

    // Rule, enum, imported and manual tags.
    let out = ok(
        &ws,
        &[
            "tag",
            "add",
            "--id",
            "loyal",
            "--name-zh",
            "忠实客户",
            "--name-en",
            "Loyal",
            "--owner",
            "crm",
            "--description",
            "three or more paid orders",
            "--expr",
            "frequency >= 3",
        ],
    );
    let loyal_now = scalar(&ws, "SELECT count(*) FROM features WHERE frequency >= 3");
    assert!(out.contains(&format!("| true         | {loyal_now}")), "preview: {out}");
    ok(
        &ws,
        &[
            "tag",
            "add",
            "--id",
            "loyal_top_city",
            "--expr",
            "loyal AND city_tier = 1",
        ],
    );
    ok(
        &ws,
        &[
            "tag",
            "add",
            "--id",
            "spend_band",
            "--value-type",
            "enum",
            "--values",
            "高,中,低",
            "--expr",
            "CASE WHEN monetary >= 3000 THEN '高' WHEN monetary >= 500 THEN '中' ELSE '低' END",
        ],
    );
    let err = fails(
        &ws,
        &[
            "tag",
            "edit",
            "--id",
            "loyal",
            "--expr",
            "loyal_top_city OR frequency > 9",
        ],
    );
    assert!(err.contains("loyal → loyal_top_city → loyal"), "{err}");

    ok(
        &ws,
        &[
            "tag",
            "add",
            "--id",
            "campaign",
            "--type",
            "imported",
            "--name-zh",
            "活动名单",
        ],
    );
    let customers = rows(
        &ws,
        "SELECT DISTINCT customer_id FROM orders ORDER BY customer_id LIMIT 20",
    );
    let mut list = String::from("customer_id\n");
    for c in &customers {
        list.push_str(c);
        list.push('\n');
    }
    list.push_str("C99999999\n\n");
    let file = tmp.path().join("campaign.csv");
    std::fs::write(&file, list).expect("write list");
    let out = ok(&ws, &["tag", "import", "campaign", &file.to_string_lossy()]);
    assert!(out.contains("imported 21 of 21 rows"), "{out}");
    assert!(out.contains("行 22 C99999999"), "unmatched line reported: {out}");
    let expected_campaign = scalar(
        &ws,
        &format!(
            "SELECT count(DISTINCT person_id) FROM identity_links WHERE record_id IN ({})",
            customers.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(",")
        ),
    );

    ok(
        &ws,
        &[
            "tag",
            "add",
            "--id",
            "vip_manual",
            "--type",
            "manual",
            "--name-zh",
            "人工贵宾",
        ],
    );
    let person = scalar(
        &ws,
        "SELECT person_id FROM features ORDER BY monetary DESC, person_id LIMIT 1",
    );
    ok(&ws, &["tag", "set", "vip_manual", &person]);
    let err = fails(&ws, &["tag", "set", "loyal", &person]);
    assert!(err.contains("computed"), "{err}");

    ok(&ws, &["build"]);
    let b2: i64 = scalar(&ws, "SELECT max(build_id) FROM tag_values")
        .parse()
        .expect("build id");
    assert_eq!(scalar(&ws, "SELECT count(*) FROM person_tags WHERE loyal"), loyal_now);
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM person_tags t JOIN features f ON f.person_id = t.person_id \
             WHERE t.loyal_top_city <> (f.frequency >= 3 AND coalesce(f.city_tier = 1, false))"
        ),
        "0"
    );
    assert_eq!(
        scalar(&ws, "SELECT count(*) FROM person_tags WHERE campaign"),
        expected_campaign
    );
    assert_eq!(
        rows(&ws, "SELECT person_id FROM person_tags WHERE vip_manual"),
        vec![person.clone()]
    );
    assert_eq!(
        scalar(&ws, "SELECT count(*) FROM person_tags WHERE spend_band IS NULL"),
        "0"
    );
    let list = json(&ws, &["tag", "list", "--format", "json"]);
    for id in [
        "rfm_score",
        "rfm_group",
        "loyal",
        "loyal_top_city",
        "spend_band",
        "campaign",
        "vip_manual",
    ] {
        let s = tag_status(&list, id);
        assert_eq!(s["stale"], false, "{id}: {s}");
        assert_eq!(s["last_build_id"], b2, "{id}: {s}");
    }
    assert_eq!(tag_status(&list, "loyal")["persons"].to_string(), loyal_now);

    // Editing makes version 2 and keeps version 1; the tag and its readers are stale.
    ok(&ws, &["tag", "edit", "--id", "loyal", "--expr", "frequency >= 4"]);
    let list = json(&ws, &["tag", "list", "--format", "json"]);
    assert_eq!(tag_status(&list, "loyal")["version"], 2);
    assert_eq!(tag_status(&list, "loyal")["stale"], true);
    assert_eq!(tag_status(&list, "loyal_top_city")["stale"], true);
    assert_eq!(tag_status(&list, "spend_band")["stale"], false);
    let text = ok(&ws, &["tag", "list"]);
    assert!(text.contains("STALE"), "{text}");

    ok(&ws, &["build"]);
    let b3 = b2 + 1;
    assert_eq!(scalar(&ws, "SELECT max(build_id) FROM tag_values"), b3.to_string());
    // Who left `loyal` between the two builds: one query over tag_history …
    let left = rows(
        &ws,
        &format!(
            "SELECT person_id FROM tag_history WHERE tag_id = 'loyal' AND build_id = {b3} AND change = 'left' \
             ORDER BY person_id"
        ),
    );
    let expected_left = rows(
        &ws,
        "SELECT person_id FROM features WHERE frequency = 3 ORDER BY person_id",
    );
    assert!(!expected_left.is_empty());
    assert_eq!(left, expected_left);
    assert_eq!(
        scalar(
            &ws,
            &format!(
                "SELECT count(*) FROM tag_history WHERE tag_id = 'loyal' AND build_id = {b3} AND change <> 'left'"
            )
        ),
        "0"
    );
    // … and the same answer from the two snapshots in tag_values.
    let from_values = rows(
        &ws,
        &format!(
            "SELECT person_id FROM tag_values WHERE tag_id = 'loyal' AND build_id = {b2} \
             EXCEPT SELECT person_id FROM tag_values WHERE tag_id = 'loyal' AND build_id = {b3} ORDER BY person_id"
        ),
    );
    assert_eq!(from_values, expected_left);
    assert_eq!(
        rows(
            &ws,
            &format!("SELECT DISTINCT version FROM tag_values WHERE tag_id = 'loyal' AND build_id = {b3}")
        ),
        vec!["2"]
    );
    assert_eq!(
        rows(
            &ws,
            "SELECT version, current, last_build_id FROM tags WHERE tag_id = 'loyal' ORDER BY version"
        ),
        vec![format!("1,false,{b2}"), format!("2,true,{b3}")]
    );
    assert_eq!(
        scalar(
            &ws,
            &format!("SELECT persons FROM tag_coverage WHERE tag_id = 'loyal' AND build_id = {b3} AND value = 'true'")
        ),
        scalar(&ws, "SELECT count(*) FROM features WHERE frequency >= 4")
    );
    assert_eq!(
        scalar(
            &ws,
            &format!("SELECT sum(persons) FROM tag_coverage WHERE tag_id = 'spend_band' AND build_id = {b3}")
        ),
        scalar(&ws, "SELECT count(*) FROM features")
    );

    // show and lineage.
    let show = json(&ws, &["tag", "show", "loyal", "--format", "json"]);
    assert_eq!(show["versions"].as_array().map(Vec::len), Some(2));
    assert_eq!(show["versions"][0]["expression"], "frequency >= 3");
    assert_eq!(show["read_by"], serde_json::json!(["loyal_top_city"]));
    let text = ok(&ws, &["tag", "show", "loyal"]);
    assert!(
        text.contains("忠实客户 / Loyal") && text.contains("frequency >= 4"),
        "{text}"
    );
    let tree = ok(&ws, &["tag", "lineage", "loyal_top_city"]);
    assert!(tree.contains("tag loyal ") && tree.contains("orders.status"), "{tree}");
    assert!(tree.contains("feature city_tier ← customers.city_tier"), "{tree}");
    let lineage = rows(
        &ws,
        "SELECT depends_on_kind, depends_on FROM tag_lineage WHERE tag_id = 'loyal_top_city' ORDER BY 1, 2",
    );
    for want in [
        "tag,loyal",
        "feature,frequency",
        "feature,city_tier",
        "table,orders",
        "column,orders.status",
        "column,customers.city_tier",
    ] {
        assert!(lineage.contains(&want.to_string()), "{want} not in {lineage:?}");
    }

    // Nothing changed: the tags stage is skipped; a manual change re-runs it.
    let out = ok(&ws, &["build"]);
    assert!(out.contains("无变化 / nothing changed"), "{out}");
    ok(&ws, &["tag", "set", "vip_manual", &person, "--clear"]);
    ok(&ws, &["build"]);
    assert_eq!(
        rows(
            &ws,
            &format!(
                "SELECT person_id, change FROM tag_history WHERE tag_id = 'vip_manual' AND build_id = {}",
                b3 + 1
            )
        ),
        vec![format!("{person},left")]
    );
}
