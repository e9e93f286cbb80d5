import { z } from 'zod'
import { MARKET_MEASURES } from '../../analytics/ingest/market-record'
import { MAX_PERIOD_DAYS } from '../utils/period'
import { periodChecks, periodQuery, queryChoice, queryId, queryText } from './fields'

/** The market share's query string: the competitor analyses' store, segment and period, plus a city and the figures (上险数 or 销量). */
export const MarketShareSchema = z
  .object({ store: queryId, segment: queryId, city: queryText(40), measure: queryChoice(MARKET_MEASURES), ...periodQuery })
  .superRefine(periodChecks(MAX_PERIOD_DAYS))
