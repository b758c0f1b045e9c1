//! `huaxiang clv`: lifetime value, on the workspace or on any transaction file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use huaxiang_clv::{ClvParams, ReadOptions, TimeUnit, Transactions};
use huaxiang_store::Workspace;
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Days ahead to predict (workspace run) / 预测天数
    #[arg(long, default_value_t = 180)]
    horizon: i64,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Fit BG/NBD (and Gamma-Gamma with amounts) on a transaction file / 在交易文件上拟合
    Fit(FitArgs),
}

#[derive(clap::Args, Debug)]
struct FitArgs {
    /// CSV file with one row per transaction / 交易文件
    #[arg(long)]
    file: PathBuf,
    /// Customer id column / 客户列
    #[arg(long)]
    customer_col: String,
    /// Transaction time column / 时间列
    #[arg(long)]
    time_col: String,
    /// Amount column (enables Gamma-Gamma) / 金额列
    #[arg(long)]
    amount_col: Option<String>,
    /// strftime format of the time column (default: ISO dates and times, %Y%m%d) / 时间格式
    #[arg(long)]
    time_format: Option<String>,
    /// Last day of the calibration period / 校准期末
    #[arg(long)]
    calibration_end: chrono::NaiveDate,
    /// Time unit of the fitted parameters / 时间单位
    #[arg(long, default_value = "day")]
    unit: String,
    /// Field delimiter (one character) / 分隔符
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    match a.command {
        Some(Command::Fit(f)) => fit(f),
        None => workspace(ws, a.horizon, a.json).await,
    }
}

fn fit(f: FitArgs) -> anyhow::Result<()> {
    let unit: TimeUnit = f.unit.parse()?;
    let mut opts = ReadOptions::new(&f.customer_col, &f.time_col);
    if let Some(a) = &f.amount_col {
        opts = opts.amount_col(a);
    }
    if let Some(t) = &f.time_format {
        opts = opts.time_format(t)?;
    }
    if !f.delimiter.is_ascii() {
        anyhow::bail!("分隔符必须是 ASCII 字符 / --delimiter must be one ASCII character");
    }
    opts = opts.delimiter(f.delimiter as u8);
    let started = std::time::Instant::now();
    let transactions = Transactions::read_csv(&f.file, &opts)?;
    let summary = transactions.summarise(f.calibration_end)?;
    let model = ClvParams::default().unit(unit).fit(&summary)?;
    let seconds = started.elapsed().as_secs_f64();
    let p = model.parameters();
    if f.json {
        let mut v = serde_json::to_value(&p)?;
        v["file"] = json!(f.file.display().to_string());
        v["calibration_end"] = json!(f.calibration_end.to_string());
        v["transactions"] = json!(transactions.n_rows());
        v["customer_days"] = json!(transactions.n_customer_days());
        v["customers"] = json!(summary.len());
        v["repeat_customers"] = json!(summary.n_repeat_customers());
        v["customers_after_calibration"] = json!(summary.customers_after_calibration);
        v["seconds"] = json!(seconds);
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut t = String::new();
    writeln!(
        t,
        "BG/NBD ({} customers, unit {:?}): r = {:.4}, alpha = {:.4}, a = {:.4}, b = {:.4}, log-likelihood = {}",
        summary.len(),
        p.unit,
        p.r,
        p.alpha,
        p.a,
        p.b,
        p.loglik.map_or("-".into(), |l| format!("{l:.4}"))
    )?;
    if let (Some(pp), Some(q), Some(g)) = (p.p, p.q, p.gamma) {
        writeln!(
            t,
            "Gamma-Gamma ({} repeat customers): p = {pp:.4}, q = {q:.4}, gamma = {g:.4}",
            p.gamma_gamma_customers.unwrap_or(0)
        )?;
    }
    writeln!(t, "用时 / seconds: {seconds:.3}")?;
    crate::output::emit(&t)
}

async fn workspace(ws: &Path, horizon: i64, json_out: bool) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let as_of = huaxiang_models::predict::current_as_of(&ws).await?;
    let ctx = huaxiang_core::build::BuildContext::new(0, as_of, ws.time_zone()?, true);
    let v = huaxiang_models::clv::run(&ws, &ctx, horizon).await?;
    huaxiang_models::scoring::refresh_model_scores(&ws).await?;
    if json_out {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut t = String::new();
    writeln!(t, "客户终身价值 / CLV as of {as_of}, {horizon} days ahead:")?;
    writeln!(t, "{}", serde_json::to_string_pretty(&v)?)?;
    writeln!(
        t,
        "表 / table: clv (person_id, p_alive, expected_orders, expected_spend, horizon_days)"
    )?;
    crate::output::emit(&t)
}
