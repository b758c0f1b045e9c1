//! Compressed sparse rows: the feature matrix of the classifier. Texts have tens of
//! non-zero n-grams out of tens of thousands, so rows store only those.

/// One sparse row: (column, value) sorted by column.
pub(crate) type SparseRow = Vec<(u32, f64)>;

/// Rows stacked in CSR form.
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseMatrix {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

impl SparseMatrix {
    pub(crate) fn from_rows(rows: impl IntoIterator<Item = SparseRow>) -> Self {
        let mut m = SparseMatrix {
            indptr: vec![0],
            ..Default::default()
        };
        for row in rows {
            for (c, v) in row {
                m.indices.push(c);
                m.values.push(v);
            }
            m.indptr.push(m.indices.len());
        }
        m
    }

    pub(crate) fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Row `i` as (columns, values).
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// `w · x` for a dense `w` and a sparse `x`.
pub(crate) fn dot(w: &[f64], cols: &[u32], vals: &[f64]) -> f64 {
    cols.iter().zip(vals).map(|(&c, &v)| w[c as usize] * v).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip() {
        let m = SparseMatrix::from_rows(vec![vec![(0, 1.0), (3, 2.0)], vec![], vec![(1, -1.0)]]);
        assert_eq!(m.n_rows(), 3);
        assert_eq!(m.row(0), (&[0u32, 3][..], &[1.0, 2.0][..]));
        assert!(m.row(1).0.is_empty());
        assert_eq!(dot(&[1.0, 2.0, 3.0, 4.0], m.row(0).0, m.row(0).1), 9.0);
    }
}
