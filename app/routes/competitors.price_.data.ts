import type { LoaderFunctionArgs } from '@remix-run/node'
import { pricePosition, pricePositionTable } from '../services/competitor-analysis.server'
import { competitorDataResponse } from '../services/competitor-data.server'

/** The price position's data as CSV, Arrow or Parquet: the page's filters plus `format`. */
export async function loader({ request }: LoaderFunctionArgs) {
  return competitorDataResponse(request, 'price-position', pricePosition, pricePositionTable)
}
