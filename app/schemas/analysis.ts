import { z } from 'zod'
import { ATTRIBUTION_MODELS, CONVERSION_KINDS, PATH_DIMENSIONS } from '../../analytics/attribution/vocabulary'
import { CHANNELS } from '../../db/schema/enums'
import { MAX_PERIOD_DAYS } from '../utils/period'
import { periodChecks, periodQuery, queryChoice, queryId } from './fields'

/** The vocabulary of the analysis pages (SPEC §4), shared by the pages and the services. */

export { ATTRIBUTION_MODELS, CONVERSION_KINDS, PATH_DIMENSIONS }

/** The channel page's query string: a bad value answers 400 naming it. */
export const ChannelAnalysisSchema = z.object({
  store: queryId,
  /** first and last day, or a month (`2026-10`); absent: the last 90 days */
  ...periodQuery,
  conversion: queryChoice(CONVERSION_KINDS),
  by: queryChoice(PATH_DIMENSIONS),
  /** only this channel: its row, its campaigns' or media's credit through it, the paths that touched it */
  channel: queryChoice(CHANNELS),
  model: queryChoice(ATTRIBUTION_MODELS),
  order: queryChoice(['1', '2', '3']),
  /** the Markov chain with the journeys that did not convert (default) or without them */
  nulls: queryChoice(['with', 'without']),
  /** time decay's half-life in days, 1–90 (default 7) */
  halfLife: z.preprocess(
    (v) => (v === '' || v === null ? undefined : v),
    z.coerce.number({ error: 'validation.range?min=1&max=90' }).int('validation.range?min=1&max=90').min(1, 'validation.range?min=1&max=90').max(90, 'validation.range?min=1&max=90').optional(),
  ),
})
export const ChannelAnalysisQuery = ChannelAnalysisSchema.superRefine(periodChecks(MAX_PERIOD_DAYS))
export type ChannelAnalysisFilters = z.output<typeof ChannelAnalysisSchema>

/** The management review's query string. */
export const ReviewSchema = z
  .object({ ...periodQuery, model: queryChoice(ATTRIBUTION_MODELS), store: queryId, channel: queryChoice(CHANNELS) })
  .superRefine(periodChecks(MAX_PERIOD_DAYS))
export type ReviewFilters = z.output<typeof ReviewSchema>

/** The model the page shows first: position-based weighs the touch that found the person and the one that brought them in. */
export const DEFAULT_MODEL = 'positionBased'
