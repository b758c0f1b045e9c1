//! The resolver: configuration and the end-to-end pipeline.
//!
//! prepare → block → compare → estimate u → EM for m and the prior → score →
//! accept edges (guarded exact rules, or posterior ≥ threshold) → cluster with
//! guards and overrides → stable ids → links, persons, evidence.

use tracing::debug;

use crate::blocking::candidate_pairs;
use crate::cluster::{self, Edge, Rule};
use crate::compare::{EXACT, Field, NAME_HOMOPHONE, NUM_FIELDS, Pattern, compare};
use crate::em;
use crate::error::IdentityError;
use crate::explain::parameters;
use crate::junk::Blocklist;
use crate::model::{Model, estimate_u, non_match_u, prior_u, probability};
use crate::output::{self, Scored};
use crate::overrides;
use crate::prepare::prepare;
use crate::types::{IdentityRecord, Override, PreviousLink, Resolution, ResolutionStats};

/// Builder of a [`Resolver`]; see each method for the default.
#[derive(Debug, Clone)]
pub struct ResolverBuilder {
    blocklist_patterns: Vec<String>,
    max_records_per_identifier: usize,
    max_records_per_person: usize,
    match_threshold: f64,
    max_block_size: usize,
    min_group_probability: f64,
    guarded_exact_rules: bool,
}

impl Default for ResolverBuilder {
    fn default() -> Self {
        Self {
            blocklist_patterns: Vec::new(),
            max_records_per_identifier: 20,
            max_records_per_person: 50,
            match_threshold: 0.9,
            max_block_size: 500,
            min_group_probability: 0.5,
            guarded_exact_rules: true,
        }
    }
}

impl ResolverBuilder {
    /// Extra junk patterns (regular expressions over normalised values), on
    /// top of the built-in list. Prefix with `phone:`, `email:` or `name:` to
    /// restrict a pattern to one kind. Default: none.
    pub fn blocklist_patterns(mut self, patterns: Vec<String>) -> Self {
        self.blocklist_patterns = patterns;
        self
    }

    /// A phone or e-mail shared by more records than this is junk and never
    /// used for matching. Default 20; at least 2.
    pub fn max_records_per_identifier(mut self, n: usize) -> Self {
        self.max_records_per_identifier = n;
        self
    }

    /// A person never grows beyond this many records through automatic
    /// matching; the weakest links are cut. Manual merges are exempt. Default 50; at least 1.
    pub fn max_records_per_person(mut self, n: usize) -> Self {
        self.max_records_per_person = n;
        self
    }

    /// Minimum posterior match probability of a probabilistic link. Default 0.9; in (0, 1).
    pub fn match_threshold(mut self, p: f64) -> Self {
        self.match_threshold = p;
        self
    }

    /// Blocks (records sharing a blocking key) larger than this are skipped.
    /// Default 500; at least 2.
    pub fn max_block_size(mut self, n: usize) -> Self {
        self.max_block_size = n;
        self
    }

    /// When an edge would join two groups into a person of three or more
    /// records, the mean match probability over all cross pairs must reach
    /// this: on average, the two groups must look more alike than not.
    /// Default 0.5; in [0, 1] (0 disables the guard).
    pub fn min_group_probability(mut self, p: f64) -> Self {
        self.min_group_probability = p;
        self
    }

    /// Whether an exact phone or e-mail match whose name agrees (exactly or as
    /// a homophone) and whose birth year and gender do not contradict is
    /// accepted without consulting the threshold. Default true.
    pub fn guarded_exact_rules(mut self, on: bool) -> Self {
        self.guarded_exact_rules = on;
        self
    }

    /// Validates the parameters and compiles the blocklist.
    pub fn build(self) -> Result<Resolver, IdentityError> {
        let invalid = |name: &'static str, reason: &str| IdentityError::InvalidParameter {
            name,
            reason: reason.into(),
        };
        if self.max_records_per_identifier < 2 {
            return Err(invalid("max_records_per_identifier", "must be at least 2"));
        }
        if self.max_records_per_person < 1 {
            return Err(invalid("max_records_per_person", "must be at least 1"));
        }
        if !(self.match_threshold > 0.0 && self.match_threshold < 1.0) {
            return Err(invalid("match_threshold", "must be strictly between 0 and 1"));
        }
        if self.max_block_size < 2 {
            return Err(invalid("max_block_size", "must be at least 2"));
        }
        if !(0.0..=1.0).contains(&self.min_group_probability) {
            return Err(invalid("min_group_probability", "must be between 0 and 1"));
        }
        let blocklist = Blocklist::compile(&self.blocklist_patterns)?;
        Ok(Resolver {
            settings: self,
            blocklist,
        })
    }
}

/// Resolves records into persons. Cheap to clone and reuse; holds no state
/// between calls.
#[derive(Debug, Clone)]
pub struct Resolver {
    settings: ResolverBuilder,
    blocklist: Blocklist,
}

impl Resolver {
    pub fn builder() -> ResolverBuilder {
        ResolverBuilder::default()
    }

    /// Resolves `records` into persons. `previous` (the links of the last
    /// run) keeps person ids stable; `overrides` are applied on top of the
    /// automatic decisions. Identical inputs give identical outputs, whatever
    /// the order of `records`.
    pub fn resolve(
        &self,
        records: &[IdentityRecord],
        previous: &[PreviousLink],
        overrides: &[Override],
    ) -> Result<Resolution, IdentityError> {
        let s = &self.settings;
        let p = prepare(records, &self.blocklist, s.max_records_per_identifier)?;
        let n = p.len();
        let mut stats = ResolutionStats {
            records: n,
            junk_values: p.junk_values,
            ..ResolutionStats::default()
        };

        // Candidates and their comparison patterns.
        let cands = candidate_pairs(&p, s.max_block_size);
        stats.candidate_pairs = cands.pairs.len();
        stats.oversized_blocks = cands.oversized_blocks;
        let patterns: Vec<Pattern> = cands
            .pairs
            .iter()
            .map(|&(a, b)| compare(&p, a as usize, b as usize))
            .collect();

        // Model.
        let mut u = estimate_u(&p);
        let sessions = em::sessions(&patterns);
        let first = em::fit(&sessions, &u, 0, 1);
        // Exact phone/e-mail agreement among non-matches: what the sessions did not explain as matches.
        let mut identifier_u = [None; NUM_FIELDS];
        for (session, f) in [(0, Field::Phone), (1, Field::Email)] {
            let pairs = first.session_pairs.get(session).copied().unwrap_or(0.0);
            let matches = first.session_matches.get(session).copied().unwrap_or(0.0);
            let u_nm = non_match_u(pairs - matches, p.present[f as usize], prior_u(f)[0]);
            u[f as usize][0] = u_nm;
            identifier_u[f as usize] = Some(u_nm);
        }
        let fit = em::fit(&sessions, &u, 0, 1);
        let all_pairs = (n as f64) * (n as f64 - 1.0) / 2.0;
        let prior = match fit.total_matches {
            Some(m) if all_pairs > 0.0 => m / all_pairs,
            // Too little data to tell: assume about one match per two records.
            _ if all_pairs > 0.0 => (n as f64 / 2.0) / all_pairs,
            _ => 0.5,
        };
        let model = Model::new(fit.m, &u, prior, identifier_u);
        stats.prior_match_probability = prior.clamp(0.0, 0.5);
        stats.em_iterations = first.iterations + fit.iterations;
        stats.parameters = parameters(&model);
        debug!(
            records = n,
            candidates = stats.candidate_pairs,
            prior,
            "identity model fitted"
        );

        // Score and accept.
        let mut scored: Vec<Scored> = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        for (&(a, b), pat) in cands.pairs.iter().zip(&patterns) {
            let (weights, weight) = model.weights(&p, a as usize, b as usize, pat);
            let log2_odds = model.prior_log2_odds + weight;
            let rule = if s.guarded_exact_rules && guarded_exact(pat, Field::Phone) {
                Some(Rule::ExactPhone)
            } else if s.guarded_exact_rules && guarded_exact(pat, Field::Email) {
                Some(Rule::ExactEmail)
            } else if probability(log2_odds) >= s.match_threshold {
                Some(Rule::Probabilistic)
            } else {
                None
            };
            if let Some(rule) = rule {
                match rule {
                    Rule::ExactPhone => stats.exact_phone_edges += 1,
                    Rule::ExactEmail => stats.exact_email_edges += 1,
                    _ => stats.probabilistic_edges += 1,
                }
                edges.push(Edge { a, b, rule, log2_odds });
                scored.push(Scored {
                    a,
                    b,
                    pattern: *pat,
                    weights,
                    weight,
                });
            }
        }
        stats.accepted_edges = edges.len();
        let mut order: Vec<usize> = (0..edges.len()).collect();
        order.sort_by(|&x, &y| {
            let (ex, ey) = (&edges[x], &edges[y]);
            ey.log2_odds
                .total_cmp(&ex.log2_odds)
                .then(ex.rule.cmp(&ey.rule))
                .then((ex.a, ex.b).cmp(&(ey.a, ey.b)))
        });
        let sorted_edges: Vec<Edge> = order.iter().map(|&i| edges[i].clone()).collect();

        // Overrides and clustering.
        let rows = overrides::to_rows(&p.keys, overrides);
        stats.overrides_unknown_record = rows.unknown;
        let pair_probability = |x: u32, y: u32| {
            let pat = compare(&p, x as usize, y as usize);
            probability(model.log2_odds(&p, x as usize, y as usize, &pat))
        };
        let settings = cluster::Settings {
            max_records_per_person: s.max_records_per_person,
            min_group_probability: s.min_group_probability,
            pair_probability: &pair_probability,
        };
        let clusters = cluster::cluster(n, &rows.merges, &rows.unmerges, &sorted_edges, &settings);
        stats.edges_cut_by_unmerge = clusters.cuts.unmerge;
        stats.edges_cut_by_size = clusters.cuts.size;
        stats.edges_cut_by_group_evidence = clusters.cuts.group_evidence;
        stats.overrides_conflicting = clusters.cuts.conflicting_merges;
        stats.manual_merges_applied = clusters.cuts.manual_applied;

        Ok(output::assemble(
            &p,
            &model,
            &clusters.label,
            &rows.merges,
            &scored,
            &edges,
            previous,
            stats,
        ))
    }
}

/// An exact phone (or e-mail) match not contradicted by the other fields:
/// the name agrees exactly or as a homophone, birth year and gender do not disagree.
fn guarded_exact(pat: &Pattern, f: Field) -> bool {
    let name = pat[Field::Name as usize];
    pat[f as usize] == EXACT
        && (name == EXACT || name == NAME_HOMOPHONE)
        && pat[Field::BirthYear as usize] != Field::BirthYear.disagree()
        && pat[Field::Gender as usize] != Field::Gender.disagree()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_validates() {
        assert!(Resolver::builder().build().is_ok());
        assert!(Resolver::builder().match_threshold(1.0).build().is_err());
        assert!(Resolver::builder().match_threshold(0.0).build().is_err());
        assert!(Resolver::builder().match_threshold(f64::NAN).build().is_err());
        assert!(Resolver::builder().max_records_per_identifier(1).build().is_err());
        assert!(Resolver::builder().max_records_per_person(0).build().is_err());
        assert!(
            Resolver::builder()
                .blocklist_patterns(vec!["[".into()])
                .build()
                .is_err()
        );
    }

    #[test]
    fn empty_input() {
        let r = Resolver::builder().build().expect("valid");
        let out = r.resolve(&[], &[], &[]).expect("resolves");
        assert!(out.links.is_empty() && out.persons.is_empty());
    }

    #[test]
    fn guarded_rule() {
        let ok: Pattern = [EXACT, EXACT, 0, 0, 0, 0];
        assert!(guarded_exact(&ok, Field::Phone));
        let household: Pattern = [Field::Name.disagree(), EXACT, 0, 0, 0, 0];
        assert!(!guarded_exact(&household, Field::Phone));
    }
}
