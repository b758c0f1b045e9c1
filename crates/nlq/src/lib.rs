/*!
Natural-language questions (智能问答): a question in Chinese or English becomes
a metric query of the catalog, its SQL, its rows, a chart and one sentence,
offline.

Why it is shaped this way:

- **The catalog is the grammar's nouns.** The parser does not know what "GMV"
  or "复购率" mean; it knows the names and synonyms the metric catalog
  (`huaxiang-metrics`) gives them, the dimensions the catalog allows, and the
  values the caller read from the workspace (cities, categories, channels,
  tags, segments). So an analyst who adds a metric or a synonym to
  `metrics.toml` makes it askable, and the answer is the same number
  `huaxiang metric` prints: an [`Intent`] is a `huaxiang_metrics::Request`
  plus presentation, and the SQL shown is the metric query's SQL.
- **Scan, then decide, no model.** Questions are short and the domain is
  closed, so one longest-match pass over a lexicon ([`vocab`]) after the time
  expressions are taken out ([`time`]) finds every metric, dimension, value
  and cue word; a few grammar rules ([`parse`]) then decide the breakdowns,
  filters, order, top N, comparison and chart. It is deterministic, explains
  itself through the intent it returns, runs in microseconds, and needs no
  network, weights or training data.
- **Numbers are never invented.** A question that names nothing the catalog
  can compute, asks about the future, or about things the data does not hold
  (weather, stock prices, employees) is refused with suggestions; a question
  with two readings returns both as candidates; the rows are the query's
  rows, unrounded; only the sentence rounds.
- **Pure core, thin I/O.** [`parse`] is a pure function of the question and a
  [`Vocabulary`]; [`answer::answer`] adds the workspace (one SQL engine for the
  vocabulary query and the metric query), so the CLI (`huaxiang ask`) and the
  web server share it.
- **Time is the workspace's.** Relative times are anchored at the as-of day
  of the latest build, never the wall clock, with the calendar semantics of
  the nlq definitions (最近3个月 = three calendar months ending with the as-of
  month; last week = the previous Monday to Sunday).
- **A model may write SQL, never numbers, and only when asked to.** With an
  `[ask.llm]` section in `huaxiang.toml`, a question the parser refuses goes
  to an OpenAI-compatible chat-completions endpoint ([`llm`]); without it
  nothing leaves the machine. The model is told the columns of the tables it
  may read, the catalog's metrics with the SQL of their facts, the as-of day
  and the zone, and must reply with one query. That query is untrusted text
  (a model can be wrong, and a question can try to steer it), so before
  anything runs [`sql_guard`] parses it with DataFusion's own parser and
  refuses it unless it is a single SELECT over allow-listed analytics tables
  (no table functions, nothing sensitive such as `quarantine` or
  `ingest_runs`) ending with a LIMIT of at most `max_rows`; DataFusion's plan
  is then checked against the same list, and the query runs in the
  read-only engine with personal data masked, under a timeout. The answer's
  rows are that query's rows and its SQL is shown, so the model's own words
  never reach the user as a number; a refused or failed reply becomes the
  offline refusal plus the reason (`intent.llm_error`), never an invented
  answer or a server error.
*/

pub mod answer;
pub mod llm;
pub mod parse;
pub mod sql_guard;
pub mod text;
pub mod time;
pub mod vocab;

pub use answer::{Answer, Error, answer, answer_with, cached_vocabulary, respond, vocabulary};
pub use parse::{ChartKind, Filter, Intent, Lang, Order, Parsed, TimeRange, parse};
pub use vocab::{Cue, Sym, Vocabulary};
