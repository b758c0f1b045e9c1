//! Runs every attribution model over a generated data directory and compares
//! the credited conversions per channel with the truly caused orders.
//!
//! ```text
//! cargo run --release -p huaxiang-attribution --example attribution_csv -- /work/data/S
//!     [--lookback-days 7] [--shared-touches] [--baseline none|observed|untouched] [--lift-days 3] [--sweep]
//! ```
//!
//! `--shared-touches` lets a touch serve several conversions; `--baseline none`
//! drops the organic expectation (textbook Shapley), `--baseline untouched`
//! learns it from untouched time only; `--sweep` repeats the Spearman
//! comparison over several lookback windows.

#[path = "support/data.rs"]
mod data;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use huaxiang_attribution::{JourneyParams, LiftParams, Model, OrganicBaseline, attribute, incrementality, spearman};

struct Args {
    dir: PathBuf,
    lookback_days: f64,
    shared: bool,
    baseline: OrganicBaseline,
    lift_days: f64,
    sweep: bool,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut out = Args {
        dir: PathBuf::new(),
        lookback_days: JourneyParams::default().lookback_days,
        shared: false,
        baseline: OrganicBaseline::ObservedTime,
        lift_days: LiftParams::default().days,
        sweep: false,
    };
    let mut dir = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lookback-days" => {
                out.lookback_days = args.next().ok_or("--lookback-days needs a value")?.parse()?;
            }
            "--lift-days" => {
                out.lift_days = args.next().ok_or("--lift-days needs a value")?.parse()?;
            }
            "--shared-touches" => out.shared = true,
            "--baseline" => {
                out.baseline = args.next().ok_or("--baseline needs none|observed|untouched")?.parse()?;
            }
            "--sweep" => out.sweep = true,
            other if other.starts_with("--") => return Err(format!("unknown option {other}").into()),
            other => dir = Some(PathBuf::from(other)),
        }
    }
    out.dir = dir.ok_or("usage: attribution_csv DIR [--lookback-days D] [--shared-touches] [--baseline none|observed|untouched] [--lift-days D] [--sweep]")?;
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let started = Instant::now();
    let data = data::load(&args.dir)?;
    println!(
        "{}: {} touches, {} paid orders, read in {:.0} ms",
        args.dir.display(),
        data.touches,
        data.orders,
        started.elapsed().as_secs_f64() * 1e3
    );
    let mut truth = data.truth.clone().unwrap_or_default();
    truth.sort_by(|a, b| b.1.total_cmp(&a.1));
    let order: Vec<String> = if truth.is_empty() {
        data.builder.channels().to_vec()
    } else {
        truth.iter().map(|t| t.0.clone()).collect()
    };
    let truth_values: Vec<f64> = truth.iter().map(|t| t.1).collect();

    let params = JourneyParams::default()
        .lookback_days(args.lookback_days)
        .touch_serves_one_conversion(!args.shared)
        .organic_baseline(args.baseline);
    let t = Instant::now();
    let journeys = data.builder.build(&params)?;
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "journeys (lookback {} d, touch serves one conversion: {}, organic baseline: {:?}): {} journeys, {} converting, {} direct conversions, {} censored touches; built in {build_ms:.0} ms",
        params.lookback_days,
        params.touch_serves_one_conversion,
        params.organic_baseline,
        journeys.journeys.len(),
        journeys.converting(),
        journeys.conversions_without_touches,
        journeys.censored_touches,
    );
    println!(
        "organic base rate: {:.5}/customer-day pooled, gamma shape {:?}",
        journeys.base_rate.pooled_per_day, journeys.base_rate.shape
    );

    let mut header = format!("{:<16}", "model");
    for name in &order {
        header.push_str(&format!("{name:>11}"));
    }
    header.push_str(&format!("{:>10}{:>10}", "spearman", "ms"));
    println!("\ncredited conversions per channel\n{header}");
    if !truth.is_empty() {
        let mut line = format!("{:<16}", "truth (caused)");
        for v in &truth_values {
            line.push_str(&format!("{v:>11.0}"));
        }
        println!("{line}");
    }
    for model in Model::defaults() {
        let t = Instant::now();
        let result = attribute(&journeys, &model)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let credits: Vec<f64> = order
            .iter()
            .map(|name| result.channel(name).map_or(0.0, |c| c.conversions))
            .collect();
        let mut line = format!("{:<16}", model.to_string());
        for v in &credits {
            line.push_str(&format!("{v:>11.1}"));
        }
        let rho = if truth.is_empty() {
            f64::NAN
        } else {
            spearman(&credits, &truth_values).unwrap_or(f64::NAN)
        };
        line.push_str(&format!("{rho:>10.3}{ms:>10.1}"));
        println!("{line}");
        if model == Model::Shapley {
            let mut line = format!("{:<16}", "  shapley φ");
            for name in &order {
                let w = result.channel(name).and_then(|c| c.weight).unwrap_or(0.0);
                line.push_str(&format!("{w:>11.1}"));
            }
            println!("{line}");
        }
    }

    let t = Instant::now();
    let lifts = incrementality(
        &data.builder,
        &LiftParams {
            days: args.lift_days,
            observed_until: None,
        },
    )?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let lift_values: Vec<f64> = order
        .iter()
        .map(|name| {
            lifts
                .iter()
                .find(|l| &l.channel == name)
                .map_or(0.0, |l| l.incremental_conversions)
        })
        .collect();
    let mut line = format!("{:<16}", format!("lift {}d", args.lift_days));
    for v in &lift_values {
        line.push_str(&format!("{v:>11.1}"));
    }
    let rho = if truth.is_empty() {
        f64::NAN
    } else {
        spearman(&lift_values, &truth_values).unwrap_or(f64::NAN)
    };
    line.push_str(&format!("{rho:>10.3}{ms:>10.1}"));
    println!("{line}   (incrementality estimate, not an attribution)");

    if args.sweep && !truth.is_empty() {
        println!("\nSpearman vs truth by lookback window");
        let mut header = format!("{:<10}", "days");
        for name in Model::NAMES {
            header.push_str(&format!("{name:>11}"));
        }
        println!("{header}");
        for days in [0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 30.0] {
            let journeys = data.builder.build(&params.clone().lookback_days(days))?;
            let mut line = format!("{days:<10}");
            for model in Model::defaults() {
                let result = attribute(&journeys, &model)?;
                let credits: Vec<f64> = order
                    .iter()
                    .map(|name| result.channel(name).map_or(0.0, |c| c.conversions))
                    .collect();
                let rho = spearman(&credits, &truth_values).unwrap_or(f64::NAN);
                line.push_str(&format!("{rho:>11.3}"));
            }
            println!("{line}");
        }
    }
    println!("\ntotal {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    Ok(())
}
