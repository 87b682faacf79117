//! Percentiles (nearest rank) over samples in milliseconds.

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// The value at or below which `q` (0..=1) of the samples lie: the nearest-rank percentile.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values
}

pub fn summarize(values: impl IntoIterator<Item = f64>) -> Summary {
    let values = sorted(values);
    if values.is_empty() {
        return Summary {
            p50: f64::NAN,
            p99: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            mean: f64::NAN,
            ..Summary::default()
        };
    }
    Summary {
        n: values.len(),
        p50: percentile(&values, 0.50),
        p99: percentile(&values, 0.99),
        min: values[0],
        max: values[values.len() - 1],
        mean: values.iter().sum::<f64>() / values.len() as f64,
    }
}

/// The value most samples share (ties: the smallest), e.g. DynamoDB calls per invocation.
pub fn mode(values: &[usize]) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::new();
    for v in values {
        *counts.entry(*v).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.5), 50.0);
        assert_eq!(percentile(&values, 0.99), 99.0);
        assert_eq!(percentile(&[3.0], 0.99), 3.0);
        let s = summarize(vec![5.0, 1.0, 3.0]);
        assert_eq!((s.n, s.p50, s.min, s.max), (3, 3.0, 1.0, 5.0));
        assert_eq!(mode(&[2, 2, 3, 1, 2, 3]), Some(2));
        assert_eq!(mode(&[1, 2]), Some(1));
    }
}
