//! `huaxiang cluster`: clustering segmentation with described clusters.

use std::fmt::Write as _;
use std::path::Path;

use huaxiang_cluster::{Algo, ClusterParams, KChoice};
use huaxiang_models::cluster::{ClusterConfig, run};
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Feature columns, comma-separated (default: the 23 reference features) / 特征列
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
    /// kmeans, gmm, dbscan or hierarchical / 算法
    #[arg(long, default_value = "kmeans")]
    algo: String,
    /// Number of clusters, or `auto` (silhouette and BIC over 2..=10) / 簇数
    #[arg(long, default_value = "auto")]
    k: String,
    /// Random seed / 随机种子
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seeds compared for stability (adjusted Rand index); 0 skips / 稳定性比较的种子数
    #[arg(long, default_value_t = 3)]
    stability: usize,
    /// Cluster every person, also those with no order, session or ticket / 包含无行为的客户
    #[arg(long)]
    all_persons: bool,
    /// Do not keep these settings for later builds / 不保存设置
    #[arg(long)]
    no_keep: bool,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run_cmd(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let algo: Algo = a.algo.parse()?;
    let k: KChoice = a.k.parse()?;
    let params = ClusterParams::new(algo)
        .k_choice(k)
        .seed(a.seed)
        .stability_runs(a.stability);
    let config = ClusterConfig {
        params,
        features: a
            .features
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        all_persons: a.all_persons,
    };
    let (result, record) = run(&ws, &config, !a.no_keep).await?;
    let tags = huaxiang_models::scoring::refresh_model_scores(&ws).await?;
    if a.json {
        let mut v = serde_json::to_value(&result)?;
        v["run"] = serde_json::to_value(&record)?;
        v["tags_added"] = serde_json::to_value(&tags)?;
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut t = String::new();
    writeln!(
        t,
        "聚类 / clustering: {} k={} seed={} · {} 人 / persons · run {}",
        result.algo, result.k, result.seed, result.rows, result.model_tag
    )?;
    if record.persons_excluded > 0 {
        writeln!(
            t,
            "  未参与 / left out: {} 人无订单、会话或工单 / persons with no order, session or ticket (--all-persons includes them)",
            record.persons_excluded
        )?;
    }
    writeln!(t, "\n预处理 / preprocessing:")?;
    for c in &result.preprocess.columns {
        writeln!(
            t,
            "  {:<24} {:<9} missing {:>5.1}%  log1p {:<5} scaling {:<9} {:?}",
            c.name,
            c.kind,
            100.0 * c.missing_share,
            c.log1p,
            c.scaling
                .as_ref()
                .map_or("-".to_string(), |s| format!("{s:?}").to_lowercase()),
            c.outcome
        )?;
    }
    if let Some(sel) = &result.selection {
        writeln!(t, "\n选择 k / choosing k ({}):", sel.rule)?;
        writeln!(t, "  {:>3}  {:>10}  {:>14}", "k", "silhouette", "BIC")?;
        for c in &sel.candidates {
            let mark = if c.k == sel.chosen { " ←" } else { "" };
            writeln!(
                t,
                "  {:>3}  {:>10}  {:>14}{mark}",
                c.k,
                c.silhouette.map_or("-".into(), |s| format!("{s:.4}")),
                c.bic.map_or("-".into(), |b| format!("{b:.1}"))
            )?;
        }
    }
    writeln!(t, "\n簇 / clusters:")?;
    for c in &result.clusters {
        writeln!(
            t,
            "  #{:<2} {:<16} {:<32} {:>7} 人 ({:>5.1}%)",
            c.cluster,
            c.name.zh,
            c.name.en,
            c.size,
            100.0 * c.share
        )?;
        for d in c.top.iter().take(3) {
            writeln!(
                t,
                "       {:<28} d={:+.2}  ({:.2} vs {:.2})",
                d.feature, d.d, d.cluster_mean, d.rest_mean
            )?;
        }
    }
    if let Some(s) = result.quality.silhouette {
        writeln!(t, "\n轮廓系数 / silhouette (sampled): {s:.4}")?;
    }
    if let Some(st) = &result.stability {
        writeln!(
            t,
            "稳定性 / stability: mean ARI {:.4}, min {:.4} over seeds {:?}",
            st.mean_ari, st.min_ari, st.seeds
        )?;
    }
    writeln!(
        t,
        "用时 / seconds: preprocess {:.2}, fit {:.2}, describe {:.2}, stability {:.2}, total {:.2}",
        result.timings.preprocess,
        result.timings.fit,
        result.timings.describe,
        result.timings.stability,
        result.timings.total
    )?;
    writeln!(t, "表 / tables: clusters, cluster_profiles, cluster_runs, model_scores")?;
    crate::output::emit(&t)
}
