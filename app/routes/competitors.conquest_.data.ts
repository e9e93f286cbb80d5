import type { LoaderFunctionArgs } from '@remix-run/node'
import { conquest, conquestTable } from '../services/competitor-analysis.server'
import { competitorDataResponse } from '../services/competitor-data.server'

/** Conquest's data as CSV, Arrow or Parquet: the page's filters plus `format`. */
export async function loader({ request }: LoaderFunctionArgs) {
  return competitorDataResponse(request, 'conquest', conquest, conquestTable)
}
