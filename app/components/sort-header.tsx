import { Link, useSearchParams } from '@remix-run/react'
import type { ReactNode } from 'react'
import { useI18n } from '../utils/use-root'

/** A column header that sorts the table by a link (works without JavaScript), announcing its state. */
export function SortHeader({
  column,
  children,
  defaultSort,
  defaultDir = 'desc',
  className,
}: {
  column: string
  children: ReactNode
  defaultSort: string
  defaultDir?: 'asc' | 'desc'
  className?: string
}) {
  const [params] = useSearchParams()
  const { t } = useI18n()
  const current = params.get('sort') ?? defaultSort
  const dir = params.get('dir') === 'asc' || params.get('dir') === 'desc' ? params.get('dir') : defaultDir
  const active = current === column
  const next = new URLSearchParams(params)
  next.set('sort', column)
  // a new column starts in its default direction; the active one flips
  next.set('dir', active ? (dir === 'asc' ? 'desc' : 'asc') : defaultDir)
  next.delete('page')
  next.delete('notice')
  return (
    <th scope="col" className={className} aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <Link to={`?${next}`} className={active ? 'sorted' : undefined}>
        {children}
        {active ? <span aria-hidden="true">{dir === 'asc' ? ' ↑' : ' ↓'}</span> : null}
        {active ? <span className="visually-hidden"> ({t(dir === 'asc' ? 'common.sortAsc' : 'common.sortDesc')})</span> : null}
      </Link>
    </th>
  )
}

export function Pager({ page, pages }: { page: number; pages: number }) {
  const [params] = useSearchParams()
  const { t } = useI18n()
  if (pages <= 1) return null
  const to = (p: number) => {
    const next = new URLSearchParams(params)
    next.set('page', String(p))
    return `?${next}`
  }
  return (
    <nav className="pager" aria-label={t('common.page', { page, pages })}>
      {page > 1 ? (
        <Link className="btn btn-sm" to={to(page - 1)} rel="prev">
          {t('common.previous')}
        </Link>
      ) : null}
      <span className="small muted">{t('common.page', { page, pages })}</span>
      {page < pages ? (
        <Link className="btn btn-sm" to={to(page + 1)} rel="next">
          {t('common.next')}
        </Link>
      ) : null}
    </nav>
  )
}
