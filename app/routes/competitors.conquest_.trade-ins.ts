import type { LoaderFunctionArgs } from '@remix-run/node'
import { conquest, tradeInTable } from '../services/competitor-analysis.server'
import { competitorDataResponse } from '../services/competitor-data.server'

/** Conquest's trade-ins (buyers who traded in a competitor's car) as CSV, Arrow or Parquet: the page's filters plus `format`. */
export async function loader({ request }: LoaderFunctionArgs) {
  return competitorDataResponse(request, 'trade-ins', conquest, tradeInTable)
}
