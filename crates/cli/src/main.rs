//! `huaxiang`: the command line of Huaxiang (画像), AI-driven customer profiles.

mod cmd;
mod output;
mod progress;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "huaxiang", version, about = "Huaxiang 画像: unify customer data into profiles / 客户数据统一与画像", long_about = None)]
struct Cli {
    /// Workspace directory / 工作区目录
    #[arg(
        short = 'w',
        long = "workspace",
        global = true,
        default_value = ".",
        env = "HUAXIANG_WORKSPACE"
    )]
    workspace: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a workspace / 创建工作区
    Init(cmd::init::Args),
    /// Ingest files or a database query into a canonical table / 导入数据
    Ingest(cmd::ingest::Args),
    /// Run a read-only SQL query over every table / 只读 SQL 查询
    Sql(cmd::sql::Args),
    /// Run every derived stage: identity, features, tags, segments / 构建派生数据
    Build(cmd::build::Args),
    /// Data quality report / 数据质量报告
    Quality(cmd::quality::Args),
    /// Identity resolution: explain, merge, unmerge / 身份识别
    Identity(cmd::identity::Args),
    /// Tags: add, edit, list, show, lineage, import / 标签体系
    Tag(cmd::tag::Args),
    /// Segments (audiences): add, list, diff, export, push / 人群分群
    Segment(cmd::segment::Args),
    /// Compute a metric from the catalog / 指标中心
    Metric(cmd::metric::Args),
    /// Ask a question in Chinese or English (offline) / 智能问答
    Ask(cmd::ask::Args),
    /// One person's 360 profile / 客户画像
    Profile(cmd::profile::Args),
    /// Clustering segmentation with described clusters / 聚类分群
    Cluster(cmd::cluster::Args),
    /// Predictive models: train, list, show, score / 预测模型
    Model(cmd::model::Args),
    /// Customer lifetime value (BG/NBD + Gamma-Gamma) / 客户终身价值
    Clv(cmd::clv::Args),
    /// A/B test readout or sample size / 实验分析
    Experiment(cmd::experiment::Args),
    /// Cut events into sessions by inactivity / 会话切分
    Sessions(cmd::behavior::SessionsArgs),
    /// Conversion funnel over event steps / 转化漏斗
    Funnel(cmd::behavior::FunnelArgs),
    /// Most frequent event paths after or before an event / 行为路径
    Paths(cmd::behavior::PathsArgs),
    /// Cohort retention by first order or signup / 留存分析
    Retention(cmd::behavior::RetentionArgs),
    /// Lifecycle stage per person / 生命周期
    Lifecycle(cmd::behavior::LifecycleArgs),
    /// Association rules (FP-growth) and cross-sell / 关联规则
    Rules(cmd::rules::Args),
    /// Recommendations per person, similar products, evaluation / 商品推荐
    Recommend(cmd::recommend::Args),
    /// Marketing attribution per channel and campaign / 营销归因
    Attribution(cmd::attribution::Args),
    /// Text analysis: train sentiment, classify, topics, keywords / 文本分析
    Text(cmd::text::Args),
    /// Generate demo data, ingest, build and show results / 演示
    Demo(cmd::demo::Args),
    /// Serve the web API over the workspace / 启动 Web 服务
    Serve(cmd::serve::Args),
    /// Users of the web API: add, list / Web 用户管理
    User(cmd::user::Args),
}

/// mimalloc instead of the system allocator: DataFusion plans and the ingest
/// gate allocate and free many small buffers per batch, and glibc malloc
/// spent about a tenth of the features stage doing so.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HUAXIANG_LOG")
                .unwrap_or_else(|_| "warn,buoyant_kernel=off,delta_kernel=off".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误 / error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let ws = cli.workspace;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Init(a) => cmd::init::run(&ws, a).await,
            Command::Ingest(a) => cmd::ingest::run(&ws, a).await,
            Command::Sql(a) => cmd::sql::run(&ws, a).await,
            Command::Build(a) => cmd::build::run(&ws, a).await,
            Command::Quality(a) => cmd::quality::run(&ws, a).await,
            Command::Identity(a) => cmd::identity::run(&ws, a).await,
            Command::Tag(a) => cmd::tag::run(&ws, a).await,
            Command::Segment(a) => cmd::segment::run(&ws, a).await,
            Command::Metric(a) => cmd::metric::run(&ws, a).await,
            Command::Ask(a) => cmd::ask::run(&ws, a).await,
            Command::Profile(a) => cmd::profile::run(&ws, a).await,
            Command::Cluster(a) => cmd::cluster::run_cmd(&ws, a).await,
            Command::Model(a) => cmd::model::run(&ws, a).await,
            Command::Clv(a) => cmd::clv::run(&ws, a).await,
            Command::Experiment(a) => cmd::experiment::run(&ws, a).await,
            Command::Sessions(a) => cmd::behavior::run_sessions(&ws, a).await,
            Command::Funnel(a) => cmd::behavior::run_funnel(&ws, a).await,
            Command::Paths(a) => cmd::behavior::run_paths(&ws, a).await,
            Command::Retention(a) => cmd::behavior::run_retention(&ws, a).await,
            Command::Lifecycle(a) => cmd::behavior::run_lifecycle(&ws, a).await,
            Command::Rules(a) => cmd::rules::run(&ws, a).await,
            Command::Recommend(a) => cmd::recommend::run(&ws, a).await,
            Command::Attribution(a) => cmd::attribution::run(&ws, a).await,
            Command::Text(a) => cmd::text::run(&ws, a).await,
            Command::Demo(a) => cmd::demo::run(a).await,
            Command::Serve(a) => cmd::serve::run(&ws, a).await,
            Command::User(a) => cmd::user::run(&ws, a).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  原因 / caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
