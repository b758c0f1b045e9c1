/*!
A/B test statistics for conversion experiments.

An experiment readout is only useful if a marketer can act on it without a
statistician in the room, and only safe if it refuses to be read when the
experiment itself is broken. So [`analyse`] returns, in one value, what a
decision needs and what makes it trustworthy:

* per variant users, conversions and rate;
* the absolute lift of B over A with a 95% confidence interval (unpooled
  normal interval), the relative lift with its delta-method interval, and the
  two-proportion z-test (pooled standard error), the textbook pair a notebook
  would compute;
* the Bayesian probability that B's true rate beats A's, with uniform
  Beta(1, 1) priors, computed exactly (Evan Miller's closed form for integer
  Beta parameters), not by simulation, so the number does not wobble;
* a sample-ratio-mismatch check: a χ² goodness-of-fit test of the assignment
  counts against the planned split. A p-value below 0.001 means the
  assignment is broken (a bug, a bot filter, a redirect), and then every
  other number is unreliable; the readout says so;
* CUPED ([`cuped`]): when a pre-period covariate is known for every user
  (orders before the experiment, say), the outcome is adjusted by
  θ·(x − x̄) with θ = cov(y, x) / var(x) pooled over both arms, which keeps the
  lift unbiased and shrinks its variance by the squared correlation;
* a sample-size calculator ([`sample_size`]) for a baseline rate and a
  minimum detectable lift.

The crate does no I/O: the workspace adapter reads the `experiment` table
and hands over one outcome (and optionally one covariate) per user.
*/

pub mod analysis;
pub mod dist;

pub use analysis::{Analysis, Arm, ExperimentError, Srm, analyse, cuped, sample_size};
