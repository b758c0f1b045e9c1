//! Runs the features stage alone over a built workspace and prints its
//! seconds: the profiling and timing harness of the stage.
//!
//! `cargo run --release -p huaxiang-features --example features_stage -- WORKSPACE YYYY-MM-DD [RUNS]`
//!
//! It writes `features` and `person_attributes` like a build does (same
//! plans, same as-of day), so run it on a copy of a workspace.

use std::time::Instant;

// The allocator of the `huaxiang` binary, so that the times match a build's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(day)) = (args.next(), args.next()) else {
        return Err("usage: features_stage WORKSPACE YYYY-MM-DD [RUNS]".into());
    };
    // `HUAXIANG_LOG=huaxiang_features=debug` times every materialised table.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("HUAXIANG_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(1);
    let ws = huaxiang_store::Workspace::open(std::path::Path::new(&dir))?;
    let as_of = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")?;
    let ctx = huaxiang_core::build::BuildContext::new(0, as_of, ws.time_zone()?, true);
    for _ in 0..runs {
        let t = Instant::now();
        let details = huaxiang_features::run(&ws, &ctx).await?;
        println!("{:.3} s {}", t.elapsed().as_secs_f64(), details["seconds"]);
    }
    Ok(())
}
