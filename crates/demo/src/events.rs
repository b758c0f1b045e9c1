//! Streaming `events.csv` out of the session plans.
//!
//! Event ids must follow (event_time, session_id, position in session), but sessions overlap
//! in time. Sessions are expanded one at a time in start order and their events are merged
//! through a small heap that only ever holds the sessions still running, so memory stays
//! bounded by the number of concurrent sessions rather than the number of events.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;

use crate::calendar::CUTOFF_S;
use crate::catalog::category_name;
use crate::error::DemoError;
use crate::population::{DEVICES, SURFACES};
use crate::sessions::{self, Expanded, SessionPlan, World};
use crate::writer::CsvWriter;

/// A running session: its start and expanded events.
struct Running {
    start: i64,
    session: Expanded,
}

/// Writes `events.csv` for plans sorted by start; returns the number of events.
pub(crate) fn write(dir: &Path, world: &World<'_>, plans: &[SessionPlan]) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(
        dir,
        "events.csv",
        &[
            "event_id",
            "event_time",
            "customer_id",
            "anonymous_id",
            "session_id",
            "event_type",
            "product_id",
            "category",
            "device",
            "channel",
        ],
    )?;
    let mut slots: Vec<Running> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    // (event time, session id, position, slot)
    let mut heap: BinaryHeap<Reverse<(i64, u64, usize, usize)>> = BinaryHeap::new();
    let mut next_event_id = 1u64;

    let mut emit = |w: &mut CsvWriter,
                    slots: &[Running],
                    heap: &mut BinaryHeap<Reverse<(i64, u64, usize, usize)>>,
                    free: &mut Vec<usize>,
                    (ts, sid, pos, slot): (i64, u64, usize, usize)|
     -> Result<(), DemoError> {
        let run = &slots[slot];
        let s = &run.session;
        let e = &s.events[pos];
        w.id(b'E', next_event_id, 10);
        next_event_id += 1;
        w.timestamp(ts);
        match s.customer {
            Some(c) if e.identified => w.id(b'C', u64::from(c) + 1, 8),
            _ => w.null(),
        }
        w.anon(s.anon);
        w.id(b'S', sid, 9);
        w.str(e.kind.name());
        match e.product {
            Some(p) => w.id(b'P', u64::from(p) + 1, 5),
            None => w.null(),
        }
        w.opt_str(e.category.map(category_name));
        w.str(DEVICES[usize::from(s.device)]);
        w.str(SURFACES[usize::from(s.channel)]);
        w.end_row()?;
        match s.events.get(pos + 1) {
            Some(next) => heap.push(Reverse((run.start + next.offset, sid, pos + 1, slot))),
            None => free.push(slot),
        }
        Ok(())
    };

    for (k, plan) in plans.iter().enumerate() {
        let sid = k as u64 + 1;
        // Everything at or before this start comes first: earlier sessions have lower ids.
        while let Some(&Reverse(top)) = heap.peek() {
            if top.0 > plan.start {
                break;
            }
            heap.pop();
            emit(&mut w, &slots, &mut heap, &mut free, top)?;
        }
        let slot = match free.pop() {
            Some(s) => s,
            None => {
                slots.push(Running {
                    start: 0,
                    session: Expanded::default(),
                });
                slots.len() - 1
            }
        };
        let run = &mut slots[slot];
        run.start = plan.start;
        sessions::expand(world, plan, &mut run.session);
        run.session.events.retain(|e| plan.start + e.offset < CUTOFF_S);
        match run.session.events.first() {
            Some(first) => heap.push(Reverse((plan.start + first.offset, sid, 0, slot))),
            None => free.push(slot),
        }
    }
    while let Some(Reverse(top)) = heap.pop() {
        emit(&mut w, &slots, &mut heap, &mut free, top)?;
    }
    w.finish()
}
