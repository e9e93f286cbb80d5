import type { LoaderFunctionArgs } from '@remix-run/node'
import { promotionTimeline, promotionTimelineTable } from '../services/competitor-analysis.server'
import { competitorDataResponse } from '../services/competitor-data.server'

/** The promotion timeline's data as CSV, Arrow or Parquet: the page's filters plus `format`. */
export async function loader({ request }: LoaderFunctionArgs) {
  return competitorDataResponse(request, 'promotions', promotionTimeline, promotionTimelineTable)
}
