//! `ul-auth analytics summary`: per class the total count and a per-day sparkline, pulled from
//! the API (with the analytics credential) or read from a Parquet dataset (with none).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use tokio::runtime::Runtime;
use unleashlive_auth::Error;
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::analytics::pull::Devices;
use unleashlive_auth::api::analytics::summary::dataset::{DatasetFilter, summarize_dataset};
use unleashlive_auth::api::analytics::summary::{ClassSummary, Day, Fetched, Summary, summarize};
use unleashlive_auth::text::terminal_safe;

use super::args::Output;
use super::ctx::Ctx;
use super::out::write_stdout;
use super::subargs::SummaryArgs;
use super::times::parse_time;

/// More days than this are summed into marks of several days each.
const MAX_MARKS: i64 = 90;
const MARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Runs the summary; `client` is called only for a pull (a dataset needs no credential).
pub fn run(
    ctx: &Ctx,
    rt: &Runtime,
    args: SummaryArgs,
    client: impl FnOnce() -> Result<Analytics>,
) -> Result<ExitCode> {
    let time = |t: &Option<String>, flag| t.as_deref().map(|t| parse_time(t, flag)).transpose();
    let (from, to) = (time(&args.from, "--from")?, time(&args.to, "--to")?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        bail!(Error::Config {
            setting: "--from".into(),
            reason: "is after --to".into(),
        });
    }
    let device = args.device.filter(|d| d != "all");
    let summary = match &args.from_dataset {
        Some(dataset) => {
            let mut filter = DatasetFilter::default();
            filter.device = device.clone();
            filter.from_ms = from;
            filter.to_ms = to;
            summarize_dataset(dataset, &filter)?
        }
        None => {
            // clap requires all three without --from-dataset.
            let (Some(from), Some(to)) = (from, to) else {
                bail!("--from and --to are required without --from-dataset");
            };
            let devices = device
                .clone()
                .map_or(Devices::All, |d| Devices::List(vec![d]));
            let client = client()?;
            let concurrency = usize::from(args.concurrency);
            let mut meter = Meter::new();
            let result = rt.block_on(summarize(&client, &devices, from, to, concurrency, |f| {
                meter.show(f);
            }));
            meter.finish();
            result?
        }
    };
    match ctx.output {
        Output::Json => write_stdout(&serde_json::to_string(&summary)?)?,
        Output::Text => {
            let scope = device.map_or("every device".to_owned(), |d| {
                format!("device {}", terminal_safe(&d))
            });
            for line in render(&summary, from, to, &scope) {
                write_stdout(&line)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The text output: a header with the range, then `class  total  sparkline` per class.
fn render(summary: &Summary, from: Option<i64>, to: Option<i64>, scope: &str) -> Vec<String> {
    let Some((first, last)) = day_range(summary, from, to) else {
        return vec![format!("No rows ({scope}).")];
    };
    let days = last.days_since_epoch() - first.days_since_epoch() + 1;
    let per_mark = (days + MAX_MARKS - 1) / MAX_MARKS;
    let marks = if per_mark == 1 {
        "one mark per day".to_owned()
    } else {
        format!("each mark = {per_mark} days")
    };
    let mut lines = vec![format!(
        "{first} to {last} (UTC, {days} day{}), {scope}; {marks}, ▁ to █ scaled per class, \
         a space for none:",
        if days == 1 { "" } else { "s" }
    )];
    let classes = summary.classes();
    if classes.is_empty() {
        lines.push("No rows.".into());
        return lines;
    }
    let names: Vec<String> = classes
        .iter()
        .map(|c| terminal_safe(&c.class).into_owned())
        .collect();
    let totals: Vec<String> = classes.iter().map(|c| c.total.to_string()).collect();
    let name_w = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let total_w = totals.iter().map(String::len).max().unwrap_or(0);
    for ((class, name), total) in classes.iter().zip(&names).zip(&totals) {
        let pad = " ".repeat(name_w - name.chars().count());
        let spark = sparkline(class, first, days, per_mark);
        lines.push(format!("{name}{pad}  {total:>total_w$}  {spark}"));
    }
    lines
}

/// The days to draw: the range given, widened to every day with data.
fn day_range(summary: &Summary, from: Option<i64>, to: Option<i64>) -> Option<(Day, Day)> {
    let first = from.map(Day::from_unix_ms);
    // An end at midnight closes the day before (`--to 2024-05-08` is a week from 05-01).
    let last = to.map(|t| {
        Day::from_unix_ms(if from.is_some_and(|f| t > f) {
            t - 1
        } else {
            t
        })
    });
    let (first, last) = match (first, last, summary.day_span()) {
        (f, l, Some((a, b))) => (f.map_or(a, |f| f.min(a)), l.map_or(b, |l| l.max(b))),
        (Some(f), Some(l), None) => (f, l),
        (Some(d), None, None) | (None, Some(d), None) => (d, d),
        (None, None, None) => return None,
    };
    Some((first, last.max(first)))
}

/// One mark per `per_mark` days from `first`, `days` days in all.
fn sparkline(class: &ClassSummary, first: Day, days: i64, per_mark: i64) -> String {
    let buckets: Vec<f64> = (0..days)
        .step_by(usize::try_from(per_mark).unwrap_or(1))
        .map(|start| {
            (start..(start + per_mark).min(days))
                .filter_map(|d| class.per_day.get(&first.plus(d)))
                .map(|c| c.as_f64())
                .sum()
        })
        .collect();
    let max = buckets.iter().copied().fold(0.0, f64::max);
    buckets
        .iter()
        .map(|&v| {
            if v <= 0.0 || max <= 0.0 {
                ' '
            } else {
                let level = (v / max * 8.0).ceil().clamp(1.0, 8.0) as usize;
                MARKS[level - 1]
            }
        })
        .collect()
}

/// A progress line on stderr, only when stderr is a terminal; at most ten redraws a second.
struct Meter {
    tty: bool,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Meter {
    fn new() -> Self {
        Meter {
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    fn show(&mut self, f: &Fetched) {
        let now = Instant::now();
        if !self.tty
            || self
                .last
                .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        self.last = Some(now);
        let secs = now.duration_since(self.started).as_secs_f64().max(0.001);
        eprint!(
            "\rpage {}/{}, {} rows, {:.0} rows/s   ",
            f.pages,
            f.total_pages,
            f.rows,
            f.rows as f64 / secs
        );
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use unleashlive_auth::api::analytics::summary::Count;

    use super::*;

    /// 2024-05-01T00:00:00Z in Unix ms.
    const MAY_1: i64 = 1_714_521_600_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn nothing_in_the_range_prints_the_header_and_says_so() {
        let lines = render(&Summary::new(), Some(MAY_1), Some(MAY_1 + DAY), "device W1");
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("2024-05-01 to 2024-05-01 (UTC, 1 day), device W1"));
        assert_eq!(lines[1], "No rows.");
        assert_eq!(render(&Summary::new(), None, None, "x"), ["No rows (x)."]);
    }

    #[test]
    fn a_mark_sums_its_days_and_scales_to_the_classs_busiest_mark() {
        let mut s = Summary::new();
        let may_1 = Day::from_unix_ms(MAY_1);
        // 200 days: 3 days a mark; day 0 and 2 share the first mark, day 3 is the second.
        for (day, n) in [(0, 1), (2, 1), (3, 1), (199, 16)] {
            s.add("a\u{1b}[31m", Count::Int(n), may_1.plus(day));
        }
        let lines = render(&s, Some(MAY_1), Some(MAY_1 + 200 * DAY), "d");
        assert!(lines[0].contains("200 days") && lines[0].contains("each mark = 3 days"));
        let spark: Vec<char> = lines[1].chars().skip("a\\u{1b}[31m  19  ".len()).collect();
        assert_eq!(spark.len(), 67);
        assert_eq!(
            (spark[0], spark[1], spark[2], spark[66]),
            ('▁', '▁', ' ', '█')
        );
        assert!(lines[1].starts_with("a\\u{1b}[31m  19  "), "{}", lines[1]);
    }
}
