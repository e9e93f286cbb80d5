import type { LoaderFunctionArgs } from '@remix-run/node'
import { marketShare, marketShareTable } from '../services/competitor-analysis.server'
import { competitorDataResponse } from '../services/competitor-data.server'
import { MarketShareSchema } from '../schemas/market-share'

/** The market share's data as CSV, Arrow or Parquet: the page's filters plus `format`. */
export async function loader({ request }: LoaderFunctionArgs) {
  return competitorDataResponse(request, 'market-share', marketShare, marketShareTable, MarketShareSchema)
}
