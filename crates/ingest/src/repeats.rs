//! Numbering repeated record ids within one input: `id`, `id#2`, `id#3`, …
//!
//! Tables whose natural key is not unique (invoice lines that repeat a
//! product) need every occurrence of an id seen earlier in the same input.
//! The accepted rows are numbered in input order where they are written
//! ([`RepeatCounter::number`]), not where they are read: the reading thread
//! parses and gates, the writing side has the time to spare.
//! Millions of ids pass through here, so the ids live in one byte arena and
//! the table holds only their hash, offset and count: one hash per id, no
//! allocation per id, and the bytes of an earlier id are compared only when
//! the full 64-bit hashes agree. The answer is exact: a hash collision
//! between two different ids is told apart by that comparison.

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow::array::{Array, RecordBatch, StringArray, StringBuilder};
use arrow::error::ArrowError;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

struct Slot {
    hash: u64,
    offset: usize,
    len: u32,
    count: u32,
}

/// Counts the occurrences of each id of one input.
pub struct RepeatCounter<S = foldhash::fast::RandomState> {
    table: HashTable<Slot>,
    arena: Vec<u8>,
    state: S,
}

impl Default for RepeatCounter {
    fn default() -> Self {
        RepeatCounter::with_hasher(foldhash::fast::RandomState::default())
    }
}

impl<S: BuildHasher> RepeatCounter<S> {
    /// A counter hashing with `state`.
    pub fn with_hasher(state: S) -> Self {
        RepeatCounter {
            table: HashTable::new(),
            arena: Vec::new(),
            state,
        }
    }

    /// Records one occurrence of `id` and returns how many times it has been
    /// seen, this one included (1 for a first occurrence).
    pub fn occurrence(&mut self, id: &str) -> u32 {
        let bytes = id.as_bytes();
        let hash = self.state.hash_one(bytes);
        let arena = &self.arena;
        let same = |s: &Slot| {
            s.hash == hash && s.len as usize == bytes.len() && &arena[s.offset..s.offset + bytes.len()] == bytes
        };
        match self.table.entry(hash, same, |s| s.hash) {
            Entry::Occupied(mut o) => {
                let slot = o.get_mut();
                slot.count = slot.count.saturating_add(1);
                slot.count
            }
            Entry::Vacant(v) => {
                let offset = self.arena.len();
                // Ids longer than 4 GiB are not ids; count them by their first 4 GiB.
                let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
                self.arena.extend_from_slice(&bytes[..len as usize]);
                v.insert(Slot {
                    hash,
                    offset,
                    len,
                    count: 1,
                });
                1
            }
        }
    }

    /// Numbers the repeats in string column `column` of `batch` (ids in row
    /// order): the second occurrence of an id becomes `id#2`, and so on. A
    /// batch without a repeat is returned as it is, without a copy.
    pub fn number(&mut self, batch: RecordBatch, column: usize) -> Result<RecordBatch, ArrowError> {
        let ids = batch
            .column(column)
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| ArrowError::SchemaError("record ids are not plain strings".into()))?;
        let counts: Vec<u32> = ids.iter().map(|id| self.occurrence(id.unwrap_or(""))).collect();
        if counts.iter().all(|&c| c == 1) {
            return Ok(batch);
        }
        let mut out = StringBuilder::with_capacity(ids.len(), ids.value_data().len() + 8 * ids.len());
        let mut id = String::new();
        for (r, &count) in counts.iter().enumerate() {
            if ids.is_null(r) {
                out.append_null();
                continue;
            }
            id.clear();
            id.push_str(ids.value(r));
            if count > 1 {
                id.push('#');
                id.push_str(&count.to_string());
            }
            out.append_value(&id);
        }
        let mut cols = batch.columns().to_vec();
        cols[column] = Arc::new(out.finish());
        RecordBatch::try_new(batch.schema(), cols)
    }

    /// Distinct ids seen.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_repeats_in_order() {
        let mut c = RepeatCounter::default();
        assert_eq!(c.occurrence("O1/P1"), 1);
        assert_eq!(c.occurrence("O1/P2"), 1);
        assert_eq!(c.occurrence("O1/P1"), 2);
        assert_eq!(c.occurrence("O1/P1"), 3);
        assert_eq!(c.occurrence("O1/P2"), 2);
        assert_eq!(c.occurrence(""), 1);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn batches_are_numbered_across_batches_and_copied_only_with_repeats() {
        use arrow::datatypes::{DataType, Field, Schema};
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("record_id", DataType::Utf8, false),
        ]));
        let batch = |ids: &[&str]| {
            let n: Vec<i64> = (0..ids.len() as i64).collect();
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(arrow::array::Int64Array::from(n)),
                    Arc::new(StringArray::from(ids.to_vec())),
                ],
            )
            .expect("batch")
        };
        let ids = |b: &RecordBatch| -> Vec<String> {
            let a = b.column(1).as_any().downcast_ref::<StringArray>().expect("strings");
            a.iter().map(|v| v.unwrap_or("").to_string()).collect()
        };
        let mut c = RepeatCounter::default();
        let first = batch(&["O1/P1", "O1/P2"]);
        let same = c.number(first.clone(), 1).expect("number");
        assert!(Arc::ptr_eq(same.column(1), first.column(1)), "no repeat, no copy");
        let second = c.number(batch(&["O2/P1", "O1/P1", "O1/P1"]), 1).expect("number");
        assert_eq!(ids(&second), ["O2/P1", "O1/P1#2", "O1/P1#3"]);
        assert_eq!(second.column(0).len(), 3);
    }

    #[test]
    fn agrees_with_a_plain_map_on_many_ids() {
        let mut c = RepeatCounter::default();
        let mut m = std::collections::HashMap::<String, u32>::new();
        for i in 0..200_000u64 {
            // Repeats of varied lengths, some sharing long prefixes.
            let id = format!("O{:010}/P{:05}", (i * 7919) % 150_000, i % 97);
            let want = {
                let e = m.entry(id.clone()).or_insert(0);
                *e += 1;
                *e
            };
            assert_eq!(c.occurrence(&id), want, "id {id}");
        }
        assert_eq!(c.len(), m.len());
    }

    #[test]
    fn equal_hashes_of_different_ids_are_told_apart() {
        // A hasher that sends everything to one bucket: only the byte
        // comparison can tell ids apart.
        #[derive(Default, Clone)]
        struct Constant;
        impl BuildHasher for Constant {
            type Hasher = ConstantHasher;
            fn build_hasher(&self) -> ConstantHasher {
                ConstantHasher
            }
        }
        struct ConstantHasher;
        impl std::hash::Hasher for ConstantHasher {
            fn finish(&self) -> u64 {
                42
            }
            fn write(&mut self, _: &[u8]) {}
        }
        let mut c = RepeatCounter::with_hasher(Constant);
        let mut occ = |id: &str| c.occurrence(id);
        assert_eq!(occ("a"), 1);
        assert_eq!(occ("b"), 1);
        assert_eq!(occ("a"), 2);
        assert_eq!(occ("ab"), 1);
        assert_eq!(occ("b"), 2);
        assert_eq!(c.len(), 3);
    }
}
