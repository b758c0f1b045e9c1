//! Small statistics shared by the reports.

/// Median of `values` in the SQL `PERCENTILE_CONT(0.5)` sense: the middle
/// value of an odd count, the mean of the two middle values of an even
/// count, `None` when empty. Reorders `values`.
pub fn median(values: &mut [i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (_, &mut upper, _) = values.select_nth_unstable(mid);
    if n % 2 == 1 {
        return Some(upper as f64);
    }
    let lower = values[..mid].iter().copied().max().unwrap_or(upper);
    Some((lower as f64 + upper as f64) / 2.0)
}

/// Median of millisecond durations, in seconds.
pub fn median_seconds(values: &mut [i64]) -> Option<f64> {
    median(values).map(|ms| ms / 1000.0)
}

/// `num / den`, `None` when `den` is 0.
pub fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2.5));
        assert_eq!(median_seconds(&mut [1000, 3000]), Some(2.0));
    }

    #[test]
    fn rate_guards_zero() {
        assert_eq!(rate(1, 4), Some(0.25));
        assert_eq!(rate(0, 0), None);
    }
}
