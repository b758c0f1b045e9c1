use std::path::PathBuf;

use anyhow::Context;
use huaxiang_build::BuildOptions;
use huaxiang_core::config::Mapping;
use huaxiang_demo::DemoOptions;
use huaxiang_ingest::{IngestRequest, Input};
use huaxiang_store::Workspace;
use huaxiang_store::sql::{OutputFormat, SqlEngine, format_batches};

use crate::progress::CliProgress;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Workspace directory for the demo / 演示工作区目录
    #[arg(long, default_value = "huaxiang-demo")]
    dir: PathBuf,
    /// Number of customers to generate / 客户数
    #[arg(long, default_value_t = 2000)]
    customers: usize,
    /// Random seed / 随机种子
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Stop after building instead of serving the web UI / 构建后退出，不启动网页
    #[arg(long)]
    no_serve: bool,
    /// Address of the web UI / 网页地址
    #[arg(long, default_value = DEFAULT_BIND)]
    bind: String,
}

/// Where `demo` serves the UI unless told otherwise.
const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The demo's administrator.
const DEMO_ADMIN: &str = "admin";

/// Input column renames of one demo file.
type Renames = &'static [(&'static str, &'static str)];

/// (file, table, source, renames)
const FILES: [(&str, &str, &str, Renames); 9] = [
    ("customers.csv", "customers", "shop", &[]),
    ("crm_contacts.csv", "customers", "crm", &[("crm_id", "customer_id")]),
    ("products.csv", "products", "shop", &[]),
    ("orders.csv", "orders", "shop", &[]),
    ("order_items.csv", "order_items", "shop", &[]),
    ("events.csv", "events", "shop", &[]),
    ("tickets.csv", "tickets", "shop", &[]),
    ("touches.csv", "touches", "shop", &[]),
    ("experiment.csv", "experiment", "shop", &[]),
];

const QUESTIONS: [(&str, &str); 3] = [
    (
        "记录与客户 / records and persons",
        "SELECT count(*) AS records, count(DISTINCT person_id) AS persons, sum(CASE WHEN rule <> 'singleton' THEN 1 ELSE 0 END) AS linked_records FROM identity_links",
    ),
    (
        "各城市等级成交额 / GMV by city tier (paid orders)",
        "SELECT c.city_tier, count(*) AS orders, round(sum(o.amount), 2) AS gmv FROM orders o JOIN customers c ON c.source = 'shop' AND c.customer_id = o.customer_id WHERE o.status = 'paid' GROUP BY c.city_tier ORDER BY c.city_tier",
    ),
    (
        "热门品类 / top categories by sales",
        "SELECT category, sum(qty) AS units, round(sum(unit_price * qty), 2) AS sales FROM order_items GROUP BY category ORDER BY sales DESC LIMIT 5",
    ),
];

pub async fn run(a: Args) -> anyhow::Result<()> {
    let dir = a.dir;
    let ws = if dir.join(huaxiang_core::config::CONFIG_FILE).exists() {
        Workspace::open(&dir)?
    } else {
        Workspace::init(&dir)?
    };
    let data = dir.join("demo-data");
    println!(
        "== 生成演示数据 / generating demo data: {} customers → {}",
        a.customers,
        data.display()
    );
    let opts = DemoOptions::new().with_customers(a.customers).with_seed(a.seed);
    huaxiang_demo::generate(&opts, &data).context("generating demo data")?;
    println!("== 导入 / ingest");
    let progress = CliProgress::new(false);
    for (file, table, source, renames) in FILES {
        let mut mapping = Mapping::default();
        for (from, to) in renames {
            mapping.rename.insert(from.to_string(), to.to_string());
        }
        let req = IngestRequest {
            table: table.to_string(),
            source: source.to_string(),
            mapping,
            inputs: vec![Input::File(data.join(file))],
            batch_rows: ws.config().ingest.batch_rows,
        };
        let r = huaxiang_ingest::ingest(&ws, &req, &progress)
            .await
            .with_context(|| format!("ingesting {file}"))?;
        for i in &r.inputs {
            if i.status == "already ingested" {
                println!("  {file:<18} → {table:<12} 已导入过 / already ingested");
            } else {
                println!(
                    "  {file:<18} → {table:<12} read {:>8} = accepted {:>8} + rejected {:>5}; fields emptied {}",
                    i.read, i.accepted, i.rejected, i.fields_emptied
                );
            }
        }
    }
    let report = huaxiang_build::build(&ws, &BuildOptions::default()).await?;
    println!("== 构建 / build #{} (as of {})", report.build_id, report.as_of);
    for r in report.stages {
        println!("  {:<18} {} {:.2}s", r.stage, r.status, r.seconds);
    }
    println!("== 数据质量 / data quality");
    let q = huaxiang_quality::report(&ws).await?;
    for t in &q.tables {
        let worst = t
            .columns
            .iter()
            .filter(|c| c.null_pct > 0.0 || c.invalid_pct > 0.0)
            .map(|c| format!("{} {:.1}%/{:.1}%", c.column, c.null_pct, c.invalid_pct))
            .collect::<Vec<_>>();
        println!(
            "  {:<12} rows {:>8}  duplicates {:>4}  null%/invalid%: {}",
            t.table,
            t.rows,
            t.duplicate_records,
            worst.join(", ")
        );
    }
    for c in q.quarantine.iter().take(6) {
        println!(
            "  quarantine {:>6}  {}.{} {}: {}",
            c.count, c.table, c.column, c.action, c.reason
        );
    }
    let engine = SqlEngine::new(&ws, false).await?;
    for (title, sql) in QUESTIONS {
        println!("== {title}\n   huaxiang sql \"{sql}\"");
        let (schema, batches) = engine.query(sql).await?;
        println!("{}", format_batches(&schema, &batches, OutputFormat::Table)?);
    }
    models(&ws).await?;
    tour(&ws).await?;
    ai_tour(&ws).await?;
    behavior_tour(&ws).await?;
    println!(
        "\n工作区 / workspace: {}   try: huaxiang -w {} sql \"SELECT * FROM persons LIMIT 5\"",
        dir.display(),
        dir.display()
    );
    if a.no_serve {
        return Ok(());
    }
    serve(ws, &a.bind).await
}

/// Serves the UI over the demo workspace with a fresh password for its admin.
async fn serve(ws: Workspace, bind: &str) -> anyhow::Result<()> {
    use huaxiang_server::{AppState, Role, auth};
    let password = auth::generate_password();
    if auth::users(&ws)?.iter().any(|(n, _)| n == DEMO_ADMIN) {
        auth::set_password(&ws, DEMO_ADMIN, &password)?;
    } else {
        auth::add_user(&ws, DEMO_ADMIN, Role::Admin, &password)?;
    }
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        // The default port is taken: any free port will do for a demo.
        Err(e) if bind == DEFAULT_BIND && e.kind() == std::io::ErrorKind::AddrInUse => {
            tokio::net::TcpListener::bind("127.0.0.1:0").await?
        }
        Err(e) => return Err(e).with_context(|| format!("cannot listen on {bind}")),
    };
    let addr = listener.local_addr()?;
    println!("\n== 网页 / web UI: http://{addr}/");
    println!("   登录 / login: {DEMO_ADMIN} / {password}   (密码只显示一次 / shown once; Ctrl-C 停止 / to stop)");
    huaxiang_server::serve(listener, AppState::new(ws))
        .await
        .context("the server stopped")?;
    Ok(())
}

/// The AI stages on the demo data: a clustering (k chosen automatically) and
/// a point-in-time churn model, both kept, so the next build refreshes them
/// and evaluates their tags. CLV is fitted by every build.
async fn models(ws: &Workspace) -> anyhow::Result<()> {
    use huaxiang_models::{cluster, predict, registry};
    if cluster::load_config(ws)?.is_none() {
        println!("== 聚类 / clustering: huaxiang cluster --k auto");
        let cfg = cluster::ClusterConfig {
            params: huaxiang_cluster::ClusterParams::new(huaxiang_cluster::Algo::KMeans)
                .k_auto()
                .k_range(3, 8)
                .seed(42)
                .stability_runs(0),
            features: Vec::new(),
            all_persons: false,
        };
        let (run, _) = cluster::run(ws, &cfg, true).await?;
        println!(
            "  k = {} ({}), silhouette {:.3}",
            run.k,
            run.selection.as_ref().map_or("", |s| s.rule.as_str()),
            run.quality.silhouette.unwrap_or(f64::NAN)
        );
    }
    if registry::Registry::load(ws)?.latest("churn").is_none() {
        println!("== 流失模型 / churn model: huaxiang model train churn --horizon 180");
        let set = predict::training_set(ws, predict::Target::Churn, 180, None, None).await?;
        let opts = huaxiang_predict::TrainOptions {
            cv_folds: 3,
            ..Default::default()
        };
        let source = registry::TrainingSource::Workspace {
            features_as_of: set.features_as_of.to_string(),
            label_end: set.label_end.to_string(),
            horizon_days: set.horizon_days,
        };
        let (out, entry) = predict::train_and_register(Some(ws), "churn", "churn", source, &set.data, &opts).await?;
        let auc = entry.as_ref().and_then(|e| e.roc_auc).unwrap_or(f64::NAN);
        println!(
            "  {} rows (features as of {}), {} · 3-fold ROC-AUC {:.3}",
            set.data.n_rows(),
            set.features_as_of,
            out.model.kind.name(),
            auc
        );
    }
    Ok(())
}

/// What the AI stages produced, as the tables show it.
async fn ai_tour(ws: &Workspace) -> anyhow::Result<()> {
    let engine = SqlEngine::new(ws, false).await?;
    for (title, sql) in AI_QUESTIONS {
        println!("== {title}\n   huaxiang sql \"{sql}\"");
        let (schema, batches) = engine.query(sql).await?;
        println!("{}", format_batches(&schema, &batches, OutputFormat::Table)?);
    }
    Ok(())
}

const AI_QUESTIONS: [(&str, &str); 3] = [
    (
        "聚类分群 / clusters",
        "SELECT cluster, name_zh, name_en, size, round(share * 100, 1) AS pct, top_features \
         FROM cluster_profiles ORDER BY size DESC",
    ),
    (
        "流失风险最高 / highest churn risk, with reasons",
        "SELECT person_id, round(score, 3) AS churn_score, reasons_zh, reasons_en \
         FROM predictions WHERE model = 'churn' ORDER BY score DESC LIMIT 5",
    ),
    (
        "客户终身价值分档 / CLV bands (next 180 days)",
        "SELECT t.clv_band, count(*) AS persons, round(avg(v.p_alive), 3) AS p_alive, \
         round(avg(v.expected_orders), 2) AS orders, round(sum(v.expected_spend), 0) AS spend \
         FROM person_tags t JOIN clv v USING (person_id) GROUP BY t.clv_band ORDER BY spend DESC",
    ),
];

/// Behaviour and marketing analytics on the demo data: a purchase funnel,
/// association rules (saved, so every build re-mines them and refreshes the
/// cross-sell tag) and last-touch vs data-driven attribution, shown with the
/// build's lifecycle stages as the tables they write.
async fn behavior_tour(ws: &Workspace) -> anyhow::Result<()> {
    use huaxiang_analytics::{attribution, funnel, rules};
    let steps = ["product_view", "add_to_cart", "begin_checkout", "purchase"];
    let f = funnel::Request {
        steps: steps.iter().map(|s| huaxiang_behavior::Step::new(*s)).collect(),
        window_ms: funnel::parse_window("7d")?,
        order: huaxiang_behavior::StepOrder::Sequential,
        by: None,
        range: Default::default(),
    };
    funnel::run(ws, &f).await?;
    let r = rules::Request {
        level: rules::Level::Product,
        params: huaxiang_baskets::RuleParams::new(0.0005, 0.1),
        cross_sell_top: 3,
    };
    rules::run(ws, &r, true).await?;
    rules::save_settings(ws, &r)?;
    for model in ["last", "shapley"] {
        let req = attribution::Request {
            model: model.parse().map_err(|e| anyhow::anyhow!("{e}"))?,
            lookback_days: 3.0,
            costs: None,
            incrementality: false,
        };
        if ws.tables().exists("touches") {
            attribution::run(ws, &req).await?;
        }
    }
    let engine = SqlEngine::new(ws, false).await?;
    for (title, sql) in BEHAVIOR_QUESTIONS {
        if sql.contains("FROM attribution") && !ws.tables().exists("attribution") {
            continue;
        }
        println!("== {title}\n   huaxiang sql \"{sql}\"");
        let (schema, batches) = engine.query(sql).await?;
        println!("{}", format_batches(&schema, &batches, OutputFormat::Table)?);
    }
    Ok(())
}

const BEHAVIOR_QUESTIONS: [(&str, &str); 4] = [
    (
        "购买漏斗 / purchase funnel (huaxiang funnel product_view add_to_cart begin_checkout purchase)",
        "SELECT step, name, actors, round(conversion_from_first * 100, 1) AS pct_of_first, \
         round(median_time_from_previous_s, 0) AS median_s FROM funnel_results WHERE \"group\" = '(all)' ORDER BY step",
    ),
    (
        "生命周期 / lifecycle stages (every build)",
        "SELECT stage, stage_zh, count(*) AS persons FROM lifecycle GROUP BY stage, stage_zh ORDER BY persons DESC",
    ),
    (
        "关联规则 / association rules by lift (huaxiang rules)",
        "SELECT antecedent, consequent, round(support, 4) AS support, round(confidence, 3) AS confidence, \
         round(lift, 1) AS lift FROM association_rules ORDER BY lift DESC LIMIT 5",
    ),
    (
        "归因 / attribution: last touch vs Shapley (huaxiang attribution --model …)",
        "SELECT channel, round(sum(CASE WHEN model = 'last' THEN conversions END), 1) AS last_touch, \
         round(sum(CASE WHEN model = 'shapley' THEN conversions END), 1) AS shapley \
         FROM attribution WHERE level = 'channel' GROUP BY channel ORDER BY shapley DESC",
    ),
];

/// Demo rule tags: (id, 中文名, English name, expression).
const TAGS: [(&str, &str, &str, &str); 3] = [
    ("active_buyer", "活跃买家", "Active buyer", "orders_90d >= 1"),
    (
        "night_owl",
        "夜猫子",
        "Night owl",
        "night_order_share >= 0.5 AND frequency >= 3",
    ),
    (
        "service_risk",
        "服务风险",
        "Service risk",
        "ticket_count >= 2 AND coalesce(mean_rating, 5) <= 2.5",
    ),
];

/// Demo segment: (name, condition).
const SEGMENT: (&str, &str) = (
    "vip_at_risk",
    "rfm_group IN ('重要保持客户', '重要挽留客户') AND recency_days > 60",
);

/// The 360 tour: tags, RFM groups, a segment and a metric, defined once and rebuilt.
async fn tour(ws: &Workspace) -> anyhow::Result<()> {
    let catalog = huaxiang_tags::Catalog::load(ws)?;
    for (id, zh, en, expr) in TAGS {
        if catalog.get(id).is_none() {
            huaxiang_tags::manage::add(
                ws,
                id,
                huaxiang_tags::TagSpec {
                    name_zh: Some(zh.into()),
                    name_en: Some(en.into()),
                    owner: Some("demo".into()),
                    expression: Some(expr.into()),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    let mut registry = huaxiang_segments::Registry::load(ws)?;
    if registry.current(SEGMENT.0).is_none() {
        registry.add(SEGMENT.0, SEGMENT.1, "高价值但沉睡 / valuable customers drifting away")?;
        registry.save(ws)?;
    }
    let report = huaxiang_build::build(ws, &BuildOptions::default()).await?;
    println!("== 标签与分群构建 / tags and segments: build #{}", report.build_id);
    println!("== 标签覆盖 / tag coverage");
    let mut tags = huaxiang_tags::status::list(ws).await?;
    tags.sort_by_key(|t| std::cmp::Reverse(t.persons.unwrap_or(0)));
    for t in &tags {
        println!(
            "  {:<14} {} / {:<22} {:>6} persons ({:>5.1}%)  v{}",
            t.tag_id,
            t.name_zh,
            t.name_en,
            t.persons.unwrap_or(0),
            t.share.unwrap_or(0.0) * 100.0,
            t.version
        );
    }
    let engine = SqlEngine::new(ws, false).await?;
    for (title, sql) in TOUR_QUESTIONS {
        println!("== {title}\n   huaxiang sql \"{sql}\"");
        let (schema, batches) = engine.query(sql).await?;
        println!("{}", format_batches(&schema, &batches, OutputFormat::Table)?);
    }
    println!("== 指标：各城市成交额 / metric: GMV by city\n   huaxiang metric gmv --by city --sort desc --limit 8");
    let out = huaxiang_metrics::compute(
        ws,
        &huaxiang_metrics::Request {
            metric: "gmv".into(),
            by: vec!["city".into()],
            sort: huaxiang_metrics::Sort::Desc,
            limit: Some(8),
            ..Default::default()
        },
    )
    .await?;
    println!("{}", out.table()?);
    Ok(())
}

const TOUR_QUESTIONS: [(&str, &str); 2] = [
    (
        "RFM 分组 / RFM groups",
        "SELECT rfm_group, count(*) AS persons, round(avg(f.monetary), 2) AS avg_monetary \
         FROM person_tags t JOIN features f USING (person_id) WHERE rfm_group IS NOT NULL \
         GROUP BY rfm_group ORDER BY persons DESC",
    ),
    (
        "分群 / segment vip_at_risk",
        "SELECT segment, build_id, count(*) AS members FROM segment_members \
         WHERE build_id = (SELECT max(build_id) FROM segment_members) GROUP BY segment, build_id",
    ),
];
