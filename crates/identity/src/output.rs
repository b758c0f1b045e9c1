//! The output: links, persons and evidence, from the final clustering.
//!
//! Everything leaving the resolver is built here, from record keys, person
//! ids, rule names and numbers only: no value of a record is ever copied into
//! the output.

use crate::cluster::{Edge, Rule};
use crate::compare::{NUM_FIELDS, Pattern, compare};
use crate::explain::{field_comparisons, round4};
use crate::ids;
use crate::model::{Model, probability};
use crate::prepare::{KeyRef, Prepared};
use crate::types::{Link, PairEvidence, Person, PreviousLink, RecordKey, Resolution, ResolutionStats};

/// A scored candidate pair.
pub(crate) struct Scored {
    pub a: u32,
    pub b: u32,
    pub pattern: Pattern,
    pub weights: [f64; NUM_FIELDS],
    pub weight: f64,
}

/// Builds links, persons and evidence from the final clustering.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    p: &Prepared,
    model: &Model,
    label: &[u32],
    manual: &[(u32, u32)],
    scored: &[Scored],
    edges: &[Edge],
    previous: &[PreviousLink],
    mut stats: ResolutionStats,
) -> Resolution {
    let n = p.len();
    // Clusters, ordered by smallest row (= label).
    let mut cluster_of_label: Vec<u32> = vec![u32::MAX; n];
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    for row in 0..n as u32 {
        let l = label[row as usize] as usize;
        if cluster_of_label[l] == u32::MAX {
            cluster_of_label[l] = clusters.len() as u32;
            clusters.push(Vec::new());
        }
        clusters[cluster_of_label[l] as usize].push(row);
    }
    let assigned = ids::assign(&p.keys, &clusters, previous);
    stats.persons = clusters.len();
    stats.persons_with_previous_id = assigned.inherited;
    stats.persons_with_new_id = clusters.len() - assigned.inherited;

    // Evidence: accepted edges and manual merges that hold inside a person.
    let mut evidence: Vec<(u32, u32, PairEvidence, Rule, f64)> = Vec::new();
    for (sc, e) in scored.iter().zip(edges) {
        if label[sc.a as usize] == label[sc.b as usize] {
            let score = probability(e.log2_odds);
            evidence.push((sc.a, sc.b, pair_evidence(p, sc, e.rule, score), e.rule, score));
        }
    }
    for &(a, b) in manual {
        if label[a as usize] == label[b as usize] {
            let pat = compare(p, a as usize, b as usize);
            let (weights, weight) = model.weights(p, a as usize, b as usize, &pat);
            let sc = Scored {
                a,
                b,
                pattern: pat,
                weights,
                weight,
            };
            evidence.push((
                a,
                b,
                pair_evidence(p, &sc, Rule::ManualMerge, 1.0),
                Rule::ManualMerge,
                1.0,
            ));
        }
    }
    evidence.sort_by_key(|e| (e.0, e.1, e.3));
    evidence.dedup_by(|later, earlier| (later.0, later.1) == (earlier.0, earlier.1));

    // The strongest edge attaching each record.
    let mut best: Vec<Option<(Rule, f64)>> = vec![None; n];
    for (a, b, _, rule, score) in &evidence {
        for r in [*a, *b] {
            let slot = &mut best[r as usize];
            let better = match slot {
                None => true,
                Some((br, bs)) => (*rule, -*score) < (*br, -*bs),
            };
            if better {
                *slot = Some((*rule, *score));
            }
        }
    }

    let mut links = Vec::with_capacity(n);
    let mut persons = Vec::with_capacity(clusters.len());
    for (ci, rows) in clusters.iter().enumerate() {
        let person_id = &assigned.ids[ci];
        let mut sources: Vec<&str> = rows.iter().map(|&r| p.keys[r as usize].0).collect();
        sources.sort_unstable();
        sources.dedup();
        let sources = sources.into_iter().map(str::to_owned).collect();
        persons.push(Person {
            person_id: person_id.clone(),
            record_count: rows.len(),
            sources,
        });
        for &r in rows {
            let (rule, score) = match best[r as usize] {
                Some((rule, score)) if rows.len() > 1 => (rule.name(), score),
                _ => ("singleton", 1.0),
            };
            let key = &p.keys[r as usize];
            links.push((
                r,
                Link {
                    source: key.0.to_owned(),
                    record_id: key.1.to_owned(),
                    person_id: person_id.clone(),
                    rule: rule.to_owned(),
                    score: round4(score),
                },
            ));
        }
    }
    links.sort_by_key(|(r, _)| *r);
    persons.sort_by(|a, b| a.person_id.cmp(&b.person_id));
    Resolution {
        links: links.into_iter().map(|(_, l)| l).collect(),
        persons,
        evidence: evidence.into_iter().map(|e| e.2).collect(),
        stats,
    }
}

fn record_key((source, record_id): KeyRef<'_>) -> RecordKey {
    RecordKey::new(source, record_id)
}

fn pair_evidence(p: &Prepared, sc: &Scored, rule: Rule, score: f64) -> PairEvidence {
    PairEvidence {
        a: record_key(p.keys[sc.a as usize]),
        b: record_key(p.keys[sc.b as usize]),
        rule: rule.name().to_owned(),
        score: round4(score),
        weight: round4(sc.weight),
        fields: field_comparisons(&sc.pattern, &sc.weights),
    }
}
