/**
 * The words of attribution (SPEC §4, ADR 022) as constants only, so that the pages' schemas
 * can name them without importing the engine or the database.
 */

export const ATTRIBUTION_MODELS = ['firstTouch', 'lastTouch', 'lastNonDirect', 'linear', 'timeDecay', 'positionBased', 'markov', 'shapley'] as const
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number]

export const CONVERSION_KINDS = ['lead', 'visit', 'test_drive', 'order', 'delivery'] as const
export type ConversionKind = (typeof CONVERSION_KINDS)[number]

/**
 * What a path's touch is credited to: its channel (how the person came: a medium, search,
 * direct …), the medium of the store's placement it came through (paid media only; every other
 * touch is NO_MEDIUM), or its campaign.
 */
export const PATH_DIMENSIONS = ['channel', 'medium', 'campaign'] as const
export type PathDimension = (typeof PATH_DIMENSIONS)[number]

/** The key of touches that carried no campaign, in paths keyed by campaign. */
export const NO_CAMPAIGN = '-'

/** The channel row of cost that is not a media placement's (venue, gifts …), in ROI per channel. */
export const NO_CHANNEL = '-'

/** By medium: the touches that came through no placement of the store, and the cost that is no placement's. */
export const NO_MEDIUM = '-'
