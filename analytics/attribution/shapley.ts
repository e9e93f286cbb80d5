import { type ChannelCredits, type PreparedPaths, emptyCredits } from './paths'

/**
 * The Shapley value of the channels (Zhao, Mahboobi & Bagheri 2018, "Shapley Value Methods
 * for Attribution Modeling in Online Advertising", arXiv:1804.05327; ADR 021).
 *
 * The game: the players are the channels; the worth of a coalition S is
 *   v(S) = conversions of the paths whose set of distinct channels is a subset of S
 * (and likewise for value). Writing R(T) for the conversions of the paths whose channel set
 * is exactly T, v(S) = Σ_{T ⊆ S} R(T): a sum of unanimity games, one per channel set seen,
 * each of which the Shapley value splits equally among its members. So the exact Shapley
 * value is
 *   φ_j = Σ_{T ∋ j} R(T) / |T|
 * — each converting path's conversions and value split equally over its distinct channels —
 * which is the paper's simplified formula. It is exact (not an approximation), linear in
 * the size of the input whatever the number of channels, and adds up to v(all channels),
 * the total conversions and value, with no rescaling.
 *
 * Paths that did not convert add nothing to any coalition's worth, so nulls do not change
 * this model; ADR 021 says why the conversion-rate form of the game was not taken.
 */
export function shapleyValue(prepared: PreparedPaths): ChannelCredits {
  const credits = emptyCredits(prepared.channels)
  for (const path of prepared.paths) {
    if (path.conversions === 0 && path.value === 0) continue
    const members = [...new Set(path.channels)]
    for (const channel of members) {
      const credit = credits.get(channel)!
      credit.conversions += path.conversions / members.length
      credit.value += path.value / members.length
    }
  }
  return credits
}
