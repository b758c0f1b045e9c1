//! Sparse user×item weight matrix (CSR) shared by the models.

use crate::interactions::{InteractionKind, Interactions, KindWeights};

/// Exponential time decay: weight × 0.5^((reference − t) / half_life).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decay {
    pub half_life_secs: f64,
    pub reference: i64,
}

impl Decay {
    pub fn factor(&self, time: i64) -> f32 {
        let age = (self.reference - time).max(0) as f64;
        0.5f64.powf(age / self.half_life_secs) as f32
    }
}

/// Compressed sparse rows: row `r` owns `cols[ptr[r]..ptr[r + 1]]`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Csr {
    pub ptr: Vec<usize>,
    pub cols: Vec<u32>,
    pub vals: Vec<f32>,
}

impl Csr {
    pub fn n_rows(&self) -> usize {
        self.ptr.len().saturating_sub(1)
    }

    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        match (self.ptr.get(r), self.ptr.get(r + 1)) {
            (Some(&a), Some(&b)) => (&self.cols[a..b], &self.vals[a..b]),
            _ => (&[], &[]),
        }
    }

    /// Transpose into `n_cols` rows.
    pub fn transpose(&self, n_cols: usize) -> Csr {
        let mut counts = vec![0usize; n_cols + 1];
        for &c in &self.cols {
            counts[c as usize + 1] += 1;
        }
        for i in 0..n_cols {
            counts[i + 1] += counts[i];
        }
        let ptr = counts.clone();
        let mut cursor = counts;
        let mut cols = vec![0u32; self.cols.len()];
        let mut vals = vec![0f32; self.cols.len()];
        for r in 0..self.n_rows() {
            let (cs, vs) = self.row(r);
            for (&c, &v) in cs.iter().zip(vs) {
                let at = &mut cursor[c as usize];
                cols[*at] = r as u32;
                vals[*at] = v;
                *at += 1;
            }
        }
        Csr { ptr, cols, vals }
    }
}

/// Per-user aggregated weights plus a "purchased" flag per (user, item).
#[derive(Clone, Debug, Default)]
pub(crate) struct UserItems {
    pub csr: Csr,
    pub purchased: Vec<bool>,
}

impl UserItems {
    /// Aggregate the log: w(u, i) = Σ weight(kind) · decay(t); entries with
    /// zero weight are kept only when they are purchases (for exclusion).
    pub fn build(data: &Interactions, weights: &KindWeights, decay: Option<Decay>) -> Self {
        let n_users = data.n_users();
        let mut counts = vec![0usize; n_users + 1];
        let keep = |kind: InteractionKind| kind == InteractionKind::Purchase || weights.weight(kind) > 0.0;
        for r in data.rows() {
            if keep(r.kind) {
                counts[r.user as usize + 1] += 1;
            }
        }
        for u in 0..n_users {
            counts[u + 1] += counts[u];
        }
        let total = counts[n_users];
        let mut cursor = counts.clone();
        let mut buf: Vec<(u32, f32, bool)> = vec![(0, 0.0, false); total];
        for r in data.rows() {
            if !keep(r.kind) {
                continue;
            }
            let mut w = weights.weight(r.kind);
            if let Some(d) = decay {
                w *= d.factor(r.time);
            }
            let at = &mut cursor[r.user as usize];
            buf[*at] = (r.item, w, r.kind == InteractionKind::Purchase);
            *at += 1;
        }
        let mut ptr = Vec::with_capacity(n_users + 1);
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        let mut purchased = Vec::new();
        ptr.push(0);
        for u in 0..n_users {
            let slice = &mut buf[counts[u]..counts[u + 1]];
            slice.sort_unstable_by_key(|e| e.0);
            let mut last: Option<u32> = None;
            for &(item, w, p) in slice.iter() {
                if last == Some(item) {
                    if let (Some(v), Some(b)) = (vals.last_mut(), purchased.last_mut()) {
                        *v += w;
                        *b |= p;
                    }
                } else {
                    cols.push(item);
                    vals.push(w);
                    purchased.push(p);
                    last = Some(item);
                }
            }
            ptr.push(cols.len());
        }
        Self {
            csr: Csr { ptr, cols, vals },
            purchased,
        }
    }

    /// Items the user purchased (sorted by id).
    pub fn purchased_items(&self, user: usize) -> impl Iterator<Item = u32> + '_ {
        let (a, b) = match (self.csr.ptr.get(user), self.csr.ptr.get(user + 1)) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0, 0),
        };
        (a..b).filter(|&k| self.purchased[k]).map(|k| self.csr.cols[k])
    }
}

/// Run `f` over `0..n` in chunks on all available cores; results in order.
pub(crate) fn par_chunks<T, F>(n: usize, chunk: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(std::ops::Range<usize>) -> Vec<T> + Sync,
{
    use std::sync::atomic::{AtomicUsize, Ordering};
    let chunk = chunk.max(1);
    let n_chunks = n.div_ceil(chunk);
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(n_chunks.max(1));
    if threads <= 1 {
        return f(0..n);
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        if c >= n_chunks {
                            break;
                        }
                        let start = c * chunk;
                        out.push((c, f(start..(start + chunk).min(n))));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    parts.sort_unstable_by_key(|p| p.0);
    parts.into_iter().flat_map(|p| p.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_duplicates_and_flags_purchases() {
        let mut log = Interactions::new();
        log.push("u", "b", InteractionKind::View, 0).expect("push");
        log.push("u", "a", InteractionKind::Cart, 0).expect("push");
        log.push("u", "b", InteractionKind::Purchase, 0).expect("push");
        log.push("v", "a", InteractionKind::View, 0).expect("push");
        let w = KindWeights {
            purchase: 1.0,
            cart: 0.5,
            view: 0.25,
        };
        let m = UserItems::build(&log, &w, None);
        let (cols, vals) = m.csr.row(0);
        // ids: b = 0, a = 1
        assert_eq!(cols, &[0, 1]);
        assert_eq!(vals, &[1.25, 0.5]);
        assert_eq!(m.purchased_items(0).collect::<Vec<_>>(), vec![0]);
        let t = m.csr.transpose(2);
        assert_eq!(t.row(1).0, &[0, 1]);
        assert_eq!(t.row(0).0, &[0]);
    }

    #[test]
    fn decay_halves_per_half_life() {
        let d = Decay {
            half_life_secs: 10.0,
            reference: 100,
        };
        assert!((d.factor(100) - 1.0).abs() < 1e-6);
        assert!((d.factor(90) - 0.5).abs() < 1e-6);
        assert!((d.factor(200) - 1.0).abs() < 1e-6, "future rows are not boosted");
    }

    #[test]
    fn par_chunks_keeps_order() {
        let out = par_chunks(1000, 7, |r| r.map(|i| i * 2).collect());
        assert_eq!(out, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
    }
}
