//! The attribution models and their command-line names.
//!
//! `first`, `last`, `linear`, `time_decay`, `position`, `markov` and `shapley`
//! select a model with its default settings; a setting can follow a colon:
//! `time_decay:3` (half-life in days), `position:0.3,0.3` (first and last
//! shares), `markov:2` (chain order).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{AttributionError, Result};
use crate::markov::MarkovChain;
use crate::rules::Rule;

/// Default half-life of the time-decay model, in days.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 7.0;
/// Default share of the first touch in the position model.
pub const DEFAULT_POSITION_FIRST: f64 = 0.4;
/// Default share of the last touch in the position model.
pub const DEFAULT_POSITION_LAST: f64 = 0.4;
/// Default order of the Markov model.
pub const DEFAULT_MARKOV_ORDER: u8 = 1;

/// An attribution model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Model {
    /// All credit to the first touch of the journey.
    First,
    /// All credit to the last touch of the journey.
    Last,
    /// Equal credit to every touch.
    Linear,
    /// Credit halves every `half_life_days` before the conversion.
    TimeDecay { half_life_days: f64 },
    /// U-shaped: `first` and `last` to the ends, the rest to the middle.
    Position { first: f64, last: f64 },
    /// Removal effect in an absorbing Markov chain of the given order.
    Markov { order: u8 },
    /// Shapley value of the incremental-conversions journey game.
    Shapley,
}

impl Model {
    /// The command-line names, in the order [`Model::defaults`] lists them.
    pub const NAMES: [&'static str; 7] = ["first", "last", "linear", "time_decay", "position", "markov", "shapley"];

    /// Every model with its default settings.
    pub fn defaults() -> [Model; 7] {
        [
            Model::First,
            Model::Last,
            Model::Linear,
            Model::TimeDecay {
                half_life_days: DEFAULT_HALF_LIFE_DAYS,
            },
            Model::Position {
                first: DEFAULT_POSITION_FIRST,
                last: DEFAULT_POSITION_LAST,
            },
            Model::Markov {
                order: DEFAULT_MARKOV_ORDER,
            },
            Model::Shapley,
        ]
    }

    /// The model's command-line name (without settings).
    pub fn name(&self) -> &'static str {
        match self {
            Model::First => "first",
            Model::Last => "last",
            Model::Linear => "linear",
            Model::TimeDecay { .. } => "time_decay",
            Model::Position { .. } => "position",
            Model::Markov { .. } => "markov",
            Model::Shapley => "shapley",
        }
    }

    /// The rule of a rule-based model; `None` for the data-driven ones.
    pub fn rule(&self) -> Option<Rule> {
        match *self {
            Model::First => Some(Rule::First),
            Model::Last => Some(Rule::Last),
            Model::Linear => Some(Rule::Linear),
            Model::TimeDecay { half_life_days } => Some(Rule::TimeDecay { half_life_days }),
            Model::Position { first, last } => Some(Rule::Position { first, last }),
            Model::Markov { .. } | Model::Shapley => None,
        }
    }

    /// Whether the model learns from all journeys (Markov, Shapley) rather
    /// than applying a fixed rule to each converting one.
    pub fn is_data_driven(&self) -> bool {
        self.rule().is_none()
    }

    /// Checks the model's settings.
    pub fn validate(&self) -> Result<()> {
        match (self.rule(), self) {
            (Some(rule), _) => rule.validate(),
            (None, Model::Markov { order }) => MarkovChain::validate_order(*order),
            (None, _) => Ok(()),
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Model::TimeDecay { half_life_days } => write!(f, "time_decay:{half_life_days}"),
            Model::Position { first, last } => write!(f, "position:{first},{last}"),
            Model::Markov { order } => write!(f, "markov:{order}"),
            other => f.write_str(other.name()),
        }
    }
}

fn number(model: &str, name: &'static str, text: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| AttributionError::param(name, text, format!("`{model}`: not a number")))
}

impl FromStr for Model {
    type Err = AttributionError;

    /// Parses `first|last|linear|time_decay[:days]|position[:first,last]|
    /// markov[:order]|shapley` (case-insensitive, `-` accepted for `_`) and
    /// validates the settings.
    fn from_str(text: &str) -> Result<Self> {
        let lower = text.trim().to_ascii_lowercase().replace('-', "_");
        let (name, setting) = match lower.split_once(':') {
            Some((n, s)) => (n.trim(), Some(s)),
            None => (lower.as_str(), None),
        };
        let unknown = || AttributionError::UnknownModel(text.to_string());
        let no_setting = |m: Model| match setting {
            None => Ok(m),
            Some(_) => Err(AttributionError::param(
                "model setting",
                text,
                format!("`{name}` takes no setting"),
            )),
        };
        let model = match name {
            "first" | "first_touch" => no_setting(Model::First)?,
            "last" | "last_touch" => no_setting(Model::Last)?,
            "linear" => no_setting(Model::Linear)?,
            "shapley" => no_setting(Model::Shapley)?,
            "time_decay" => Model::TimeDecay {
                half_life_days: match setting {
                    Some(s) => number(text, "half_life_days", s)?,
                    None => DEFAULT_HALF_LIFE_DAYS,
                },
            },
            "position" | "position_based" | "u_shaped" => match setting {
                None => Model::Position {
                    first: DEFAULT_POSITION_FIRST,
                    last: DEFAULT_POSITION_LAST,
                },
                Some(s) => {
                    let (a, b) = s.split_once(',').ok_or_else(|| {
                        AttributionError::param(
                            "position",
                            text,
                            "expected `position:FIRST,LAST`, e.g. position:0.4,0.4",
                        )
                    })?;
                    Model::Position {
                        first: number(text, "position first", a)?,
                        last: number(text, "position last", b)?,
                    }
                }
            },
            "markov" => Model::Markov {
                order: match setting {
                    Some(s) => s
                        .trim()
                        .parse::<u8>()
                        .map_err(|_| AttributionError::param("markov order", s, "not a small whole number"))?,
                    None => DEFAULT_MARKOV_ORDER,
                },
            },
            _ => return Err(unknown()),
        };
        model.validate()?;
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_defaults() {
        for (name, model) in Model::NAMES.iter().zip(Model::defaults()) {
            let parsed: Model = name.parse().expect("known name");
            assert_eq!(parsed, model);
            assert_eq!(parsed.name(), *name);
            // Display round-trips.
            let again: Model = parsed.to_string().parse().expect("display parses");
            assert_eq!(again, parsed);
        }
    }

    #[test]
    fn settings_parse() {
        assert_eq!(
            "time_decay:3".parse::<Model>().expect("parse"),
            Model::TimeDecay { half_life_days: 3.0 }
        );
        assert_eq!(
            "Position:0.3, 0.5".parse::<Model>().expect("parse"),
            Model::Position { first: 0.3, last: 0.5 }
        );
        assert_eq!("markov:2".parse::<Model>().expect("parse"), Model::Markov { order: 2 });
        assert_eq!("last-touch".parse::<Model>().expect("parse"), Model::Last);
    }

    #[test]
    fn bad_names_and_settings() {
        assert!(matches!(
            "magic".parse::<Model>(),
            Err(AttributionError::UnknownModel(_))
        ));
        for bad in [
            "time_decay:0",
            "time_decay:x",
            "position:0.8,0.8",
            "position:0.5",
            "markov:0",
            "markov:9",
            "linear:2",
        ] {
            assert!(
                matches!(bad.parse::<Model>(), Err(AttributionError::InvalidParameter { .. })),
                "{bad}"
            );
        }
        assert!(Model::defaults().iter().all(|m| m.validate().is_ok()));
        assert!(Model::Shapley.is_data_driven());
        assert!(!Model::Last.is_data_driven());
    }
}
