//! Progress while inputs stream: a bar with rows/s on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use huaxiang_ingest::Progress;
use indicatif::{ProgressBar, ProgressStyle};

pub struct CliProgress {
    bar: Mutex<Option<ProgressBar>>,
    state: Mutex<(Instant, Instant, String)>,
    quiet: bool,
}

impl CliProgress {
    pub fn new(quiet: bool) -> CliProgress {
        CliProgress {
            bar: Mutex::new(None),
            state: Mutex::new((Instant::now(), Instant::now(), String::new())),
            quiet,
        }
    }
}

impl Progress for CliProgress {
    fn start(&self, input: &str, total_bytes: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            *s = (Instant::now(), Instant::now(), input.to_string());
        }
        if self.quiet {
            return;
        }
        if std::io::stderr().is_terminal() {
            let bar = match total_bytes {
                Some(t) => ProgressBar::new(t),
                None => ProgressBar::new_spinner(),
            };
            let style = ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(input.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            if let Ok(mut b) = self.bar.lock() {
                *b = Some(bar);
            }
        } else {
            eprintln!("读取 / reading {input}");
        }
    }

    fn advance(&self, rows: u64, bytes: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        let rate = rows as f64 / s.0.elapsed().as_secs_f64().max(1e-6);
        if let Ok(b) = self.bar.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.set_position(bytes);
            bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
            return;
        }
        if !self.quiet && s.1.elapsed() >= Duration::from_secs(5) {
            s.1 = Instant::now();
            eprintln!("  {}: {rows} rows, {rate:.0} rows/s", s.2);
        }
    }

    fn finish(&self, _input: &str) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            bar.finish_and_clear();
        }
    }
}
