//! The columnar event log every analysis reads.
//!
//! One event is one row of seven parallel columns: `actor`, `time` (Unix
//! milliseconds), `kind` (event type) and four optional properties
//! (`channel`, `device`, `product`, `category`). Strings are
//! dictionary-encoded: each column holds `u32` ids into its own
//! [`Dictionary`], and a missing property is [`NONE`]. At 3.7 million events
//! the log is about 110 MB and every analysis walks it without allocating per
//! event.
//!
//! Two ways in: [`EventLogBuilder`] interns rows of strings (tests, CSV), and
//! [`EventLog::from_columns`] takes vectors that an adapter already encoded
//! (SQL `DENSE_RANK()` ids, Arrow dictionary arrays), validating lengths and
//! ids.
//!
//! Order: analyses see each actor's events sorted by `time`; events of one
//! actor with the same millisecond keep their input order. An adapter that
//! wants the order to be reproducible in SQL should read the events
//! `ORDER BY event_time, event_id` and reproduce it with
//! `ROW_NUMBER() OVER (PARTITION BY actor ORDER BY event_time, event_id)`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{BehaviorError, Result};

/// Id of a missing property value.
pub const NONE: u32 = u32::MAX;

/// Strings ↔ dense `u32` ids, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Dictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// A dictionary holding `names` with ids `0..names.len()`; a repeated
    /// name keeps its first id (later copies are unreachable by name).
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut dict = Self::new();
        for name in names {
            let name: String = name.into();
            let id = dict.names.len() as u32;
            dict.index.entry(name.clone()).or_insert(id);
            dict.names.push(name);
        }
        dict
    }

    /// The id of `name`, adding it when new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }

    /// The id of `name`, if present.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The name of `id`; `None` for [`NONE`] and unknown ids.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// All names, indexed by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The optional event properties that funnel steps and path anchors can
/// filter on, and that breakdowns can group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prop {
    /// Acquisition / app channel (`app`, `web`, `mini_program`…).
    Channel,
    /// Device family (`ios`, `android`…).
    Device,
    /// Product category.
    Category,
    /// Product id.
    Product,
}

impl Prop {
    /// All properties.
    pub const ALL: [Prop; 4] = [Prop::Channel, Prop::Device, Prop::Category, Prop::Product];

    /// The property called `name` (`channel`, `device`, `category`, `product`).
    pub fn parse(name: &str) -> Option<Prop> {
        match name {
            "channel" => Some(Prop::Channel),
            "device" => Some(Prop::Device),
            "category" => Some(Prop::Category),
            "product" => Some(Prop::Product),
            _ => None,
        }
    }

    /// The property's name.
    pub fn name(self) -> &'static str {
        match self {
            Prop::Channel => "channel",
            Prop::Device => "device",
            Prop::Category => "category",
            Prop::Product => "product",
        }
    }
}

/// One event as strings, for [`EventLogBuilder::push`]. An empty optional
/// property is the same as `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventRow<'a> {
    /// Who: a customer id, or an anonymous device id before login.
    pub actor: &'a str,
    /// When, Unix milliseconds (UTC).
    pub time_ms: i64,
    /// Event type (`page_view`, `purchase`…).
    pub kind: &'a str,
    /// Channel.
    pub channel: Option<&'a str>,
    /// Device.
    pub device: Option<&'a str>,
    /// Product id.
    pub product: Option<&'a str>,
    /// Product category.
    pub category: Option<&'a str>,
}

/// Dictionary-encoded columns for [`EventLog::from_columns`]. A property
/// column may be left empty, meaning "missing for every event".
#[derive(Debug, Clone, Default)]
pub struct EventColumns {
    /// Actor id per event (into `EventDictionaries::actors`).
    pub actor: Vec<u32>,
    /// Unix milliseconds per event.
    pub time: Vec<i64>,
    /// Event type id per event.
    pub kind: Vec<u32>,
    /// Channel id or [`NONE`].
    pub channel: Vec<u32>,
    /// Device id or [`NONE`].
    pub device: Vec<u32>,
    /// Product id or [`NONE`].
    pub product: Vec<u32>,
    /// Category id or [`NONE`].
    pub category: Vec<u32>,
}

/// The dictionaries of [`EventColumns`].
#[derive(Debug, Clone, Default)]
pub struct EventDictionaries {
    /// Actor names.
    pub actors: Dictionary,
    /// Event types.
    pub kinds: Dictionary,
    /// Channels.
    pub channels: Dictionary,
    /// Devices.
    pub devices: Dictionary,
    /// Products.
    pub products: Dictionary,
    /// Categories.
    pub categories: Dictionary,
}

/// Each actor's events in time order: positions `offsets[a]..offsets[a + 1]`
/// of the index hold actor `a`'s events sorted by time, ties in input order.
/// The index keeps, beside each event's log position, copies of its `time`
/// and `kind` in that order, so analyses stream through memory instead of
/// jumping around the log (the log itself is usually in global time order,
/// which scatters each actor's events).
#[derive(Debug, Clone)]
pub struct ActorIndex {
    offsets: Vec<usize>,
    order: Vec<u32>,
    time: Vec<i64>,
    kind: Vec<u32>,
}

impl ActorIndex {
    fn build(actor: &[u32], time: &[i64], kind: &[u32], n_actors: usize) -> Self {
        let mut offsets = vec![0usize; n_actors + 1];
        for &a in actor {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n_actors {
            offsets[i + 1] += offsets[i];
        }
        let n = actor.len();
        let mut cursor = offsets.clone();
        let mut order = vec![0u32; n];
        let mut stime = vec![0i64; n];
        let mut skind = vec![0u32; n];
        for (i, &a) in actor.iter().enumerate() {
            let slot = &mut cursor[a as usize];
            order[*slot] = i as u32;
            stime[*slot] = time[i];
            skind[*slot] = kind[i];
            *slot += 1;
        }
        let mut scratch: Vec<(i64, u32, u32)> = Vec::new();
        for a in 0..n_actors {
            let range = offsets[a]..offsets[a + 1];
            if stime[range.clone()].windows(2).all(|w| w[0] <= w[1]) {
                continue;
            }
            // Stable: equal times keep input order.
            scratch.clear();
            scratch.extend(range.clone().map(|p| (stime[p], order[p], skind[p])));
            scratch.sort_by_key(|&(t, _, _)| t);
            for (p, &(t, e, k)) in range.zip(&scratch) {
                stime[p] = t;
                order[p] = e;
                skind[p] = k;
            }
        }
        Self {
            offsets,
            order,
            time: stime,
            kind: skind,
        }
    }

    /// Number of actors (the size of the actor dictionary).
    pub fn actors(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Index positions of `actor` (empty for unknown actors).
    pub fn range(&self, actor: u32) -> std::ops::Range<usize> {
        let a = actor as usize;
        if a + 1 >= self.offsets.len() {
            return 0..0;
        }
        self.offsets[a]..self.offsets[a + 1]
    }

    /// Log positions of `actor`'s events in time order.
    pub fn events(&self, actor: u32) -> &[u32] {
        &self.order[self.range(actor)]
    }

    /// Times of `actor`'s events in time order.
    pub fn times(&self, actor: u32) -> &[i64] {
        &self.time[self.range(actor)]
    }

    /// Event type ids of `actor`'s events in time order.
    pub fn kinds(&self, actor: u32) -> &[u32] {
        &self.kind[self.range(actor)]
    }

    /// Log position of every event, actor by actor, in time order.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// `time` of every event in [`order`](Self::order).
    pub fn time_in_order(&self) -> &[i64] {
        &self.time
    }

    /// `kind` of every event in [`order`](Self::order).
    pub fn kind_in_order(&self) -> &[u32] {
        &self.kind
    }
}

/// The event log: parallel dictionary-encoded columns, immutable once built.
#[derive(Debug)]
pub struct EventLog {
    cols: EventColumns,
    dicts: EventDictionaries,
    index: OnceLock<ActorIndex>,
}

impl EventLog {
    /// Checks and wraps already-encoded columns: every column has one value
    /// per event (or is empty: all missing), and every id is in its
    /// dictionary (properties may also be [`NONE`]).
    pub fn from_columns(mut cols: EventColumns, dicts: EventDictionaries) -> Result<Self> {
        let n = cols.time.len();
        if n >= u32::MAX as usize {
            return Err(BehaviorError::InvalidParameter {
                name: "time",
                reason: format!("{n} events; a log holds fewer than 2^32 - 1"),
            });
        }
        check_column("actor", &cols.actor, n, &dicts.actors, false)?;
        check_column("kind", &cols.kind, n, &dicts.kinds, false)?;
        for (name, col, dict) in [
            ("channel", &mut cols.channel, &dicts.channels),
            ("device", &mut cols.device, &dicts.devices),
            ("product", &mut cols.product, &dicts.products),
            ("category", &mut cols.category, &dicts.categories),
        ] {
            if col.is_empty() {
                *col = vec![NONE; n];
            }
            check_column(name, col, n, dict, true)?;
        }
        Ok(Self {
            cols,
            dicts,
            index: OnceLock::new(),
        })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.cols.time.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.cols.time.is_empty()
    }

    /// Actor id per event.
    pub fn actor(&self) -> &[u32] {
        &self.cols.actor
    }

    /// Unix milliseconds per event.
    pub fn time(&self) -> &[i64] {
        &self.cols.time
    }

    /// Event type id per event.
    pub fn kind(&self) -> &[u32] {
        &self.cols.kind
    }

    /// The column of property `prop` (ids or [`NONE`]).
    pub fn prop(&self, prop: Prop) -> &[u32] {
        match prop {
            Prop::Channel => &self.cols.channel,
            Prop::Device => &self.cols.device,
            Prop::Category => &self.cols.category,
            Prop::Product => &self.cols.product,
        }
    }

    /// Actor names.
    pub fn actors(&self) -> &Dictionary {
        &self.dicts.actors
    }

    /// Event type names.
    pub fn kinds(&self) -> &Dictionary {
        &self.dicts.kinds
    }

    /// The dictionary of property `prop`.
    pub fn prop_dict(&self, prop: Prop) -> &Dictionary {
        match prop {
            Prop::Channel => &self.dicts.channels,
            Prop::Device => &self.dicts.devices,
            Prop::Category => &self.dicts.categories,
            Prop::Product => &self.dicts.products,
        }
    }

    /// Name of the event type of event `event`.
    pub fn kind_name(&self, event: usize) -> &str {
        self.dicts.kinds.name(self.cols.kind[event]).unwrap_or("")
    }

    /// Value of property `prop` of event `event`, `None` when missing.
    pub fn prop_name(&self, prop: Prop, event: usize) -> Option<&str> {
        self.prop_dict(prop).name(self.prop(prop)[event])
    }

    /// Earliest and latest event time, `None` when empty.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let min = self.cols.time.iter().min()?;
        let max = self.cols.time.iter().max()?;
        Some((*min, *max))
    }

    /// Each actor's events in time order, built on first use (a counting
    /// sort by actor, then a stable sort by time inside each actor, skipped
    /// when already sorted) and cached.
    pub fn by_actor(&self) -> &ActorIndex {
        self.index.get_or_init(|| {
            ActorIndex::build(
                &self.cols.actor,
                &self.cols.time,
                &self.cols.kind,
                self.dicts.actors.len(),
            )
        })
    }

    /// Takes the log apart.
    pub fn into_parts(self) -> (EventColumns, EventDictionaries) {
        (self.cols, self.dicts)
    }
}

fn check_column(
    column: &'static str,
    values: &[u32],
    expected: usize,
    dict: &Dictionary,
    nullable: bool,
) -> Result<()> {
    if values.len() != expected {
        return Err(BehaviorError::ColumnLength {
            column,
            len: values.len(),
            expected,
        });
    }
    let size = dict.len();
    if let Some(row) = values
        .iter()
        .position(|&id| (id as usize) >= size && !(nullable && id == NONE))
    {
        return Err(BehaviorError::UnknownId {
            column,
            row,
            id: values[row],
            size,
        });
    }
    Ok(())
}

/// Builds an [`EventLog`] row by row, interning strings.
#[derive(Debug, Default)]
pub struct EventLogBuilder {
    cols: EventColumns,
    dicts: EventDictionaries,
    last_actor: Option<(String, u32)>,
}

impl EventLogBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `events` rows.
    pub fn with_capacity(events: usize) -> Self {
        let mut b = Self::default();
        for col in [
            &mut b.cols.actor,
            &mut b.cols.kind,
            &mut b.cols.channel,
            &mut b.cols.device,
            &mut b.cols.product,
            &mut b.cols.category,
        ] {
            col.reserve(events);
        }
        b.cols.time.reserve(events);
        b
    }

    /// Appends one event.
    pub fn push(&mut self, row: EventRow<'_>) {
        let actor = match &self.last_actor {
            Some((name, id)) if name == row.actor => *id,
            _ => {
                let id = self.dicts.actors.intern(row.actor);
                self.last_actor = Some((row.actor.to_owned(), id));
                id
            }
        };
        self.cols.actor.push(actor);
        self.cols.time.push(row.time_ms);
        self.cols.kind.push(self.dicts.kinds.intern(row.kind));
        self.cols
            .channel
            .push(intern_opt(&mut self.dicts.channels, row.channel));
        self.cols.device.push(intern_opt(&mut self.dicts.devices, row.device));
        self.cols
            .product
            .push(intern_opt(&mut self.dicts.products, row.product));
        self.cols
            .category
            .push(intern_opt(&mut self.dicts.categories, row.category));
    }

    /// Appends an event with no properties.
    pub fn push_simple(&mut self, actor: &str, time_ms: i64, kind: &str) {
        self.push(EventRow {
            actor,
            time_ms,
            kind,
            ..EventRow::default()
        });
    }

    /// Number of events so far.
    pub fn len(&self) -> usize {
        self.cols.time.len()
    }

    /// True when no event was pushed.
    pub fn is_empty(&self) -> bool {
        self.cols.time.is_empty()
    }

    /// The log.
    pub fn build(self) -> EventLog {
        EventLog {
            cols: self.cols,
            dicts: self.dicts,
            index: OnceLock::new(),
        }
    }
}

fn intern_opt(dict: &mut Dictionary, value: Option<&str>) -> u32 {
    match value {
        Some(v) if !v.is_empty() => dict.intern(v),
        _ => NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_interns_and_orders_per_actor() {
        let mut b = EventLogBuilder::new();
        b.push_simple("u2", 30, "b");
        b.push(EventRow {
            actor: "u1",
            time_ms: 20,
            kind: "a",
            channel: Some("app"),
            device: Some(""),
            ..EventRow::default()
        });
        b.push_simple("u1", 10, "b");
        b.push_simple("u1", 20, "c");
        let log = b.build();
        assert_eq!(log.len(), 4);
        assert_eq!(log.actors().names(), ["u2", "u1"]);
        assert_eq!(log.prop_name(Prop::Channel, 1), Some("app"));
        assert_eq!(log.prop_name(Prop::Device, 1), None, "empty is missing");
        // u1: t=10 first, then the two t=20 events in input order.
        assert_eq!(log.by_actor().events(1), [2, 1, 3]);
        assert_eq!(log.by_actor().times(1), [10, 20, 20]);
        assert_eq!(log.by_actor().kinds(1), [0, 1, 2], "b, a, c");
        assert_eq!(log.by_actor().events(0), [0]);
        assert_eq!(log.time_range(), Some((10, 30)));
    }

    #[test]
    fn from_columns_validates() {
        let dicts = EventDictionaries {
            actors: Dictionary::from_names(["a"]),
            kinds: Dictionary::from_names(["x"]),
            ..EventDictionaries::default()
        };
        let ok = EventColumns {
            actor: vec![0, 0],
            time: vec![1, 2],
            kind: vec![0, 0],
            ..EventColumns::default()
        };
        let log = EventLog::from_columns(ok.clone(), dicts.clone()).expect("valid columns");
        assert_eq!(log.prop(Prop::Channel), [NONE, NONE]);

        let short = EventColumns {
            kind: vec![0],
            ..ok.clone()
        };
        assert!(matches!(
            EventLog::from_columns(short, dicts.clone()),
            Err(BehaviorError::ColumnLength { column: "kind", .. })
        ));
        let bad = EventColumns {
            channel: vec![NONE, 3],
            ..ok
        };
        let err = EventLog::from_columns(bad, dicts).expect_err("id 3 has no channel");
        assert_eq!(
            err.to_string(),
            "column `channel` row 1: id 3 is not in its dictionary of 0 entries"
        );
    }
}
