import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useMatches,
  useRouteError,
} from '@remix-run/react'
import type { ReactNode } from 'react'
import { CsrfInput } from './components/csrf-input'
import { LOCALES, translator } from './i18n'
import styles from './styles/app.css'
import { countAwaitingApproval } from './services/campaigns.server'
import { getUser } from './utils/auth.server'
import { getCsrfToken } from './utils/csrf.server'
import { resolveLocale } from './utils/i18n.server'
import { roleCan } from './utils/permissions'
import { useNonce } from './utils/nonce'
import { useI18n, useRootData, type RootData } from './utils/use-root'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request)
  const csrf = getCsrfToken(request)
  const result: RootData = {
    locale: resolveLocale(request, user?.locale),
    csrf: csrf.token,
    user: user && {
      id: user.id,
      name: user.name,
      email: user.email,
      role: user.role,
      stores: user.stores.map(({ id, name, timeZone, currency }) => ({ id, name, timeZone, currency })),
      awaitingApproval: await countAwaitingApproval(user),
    },
  }
  return data(result, csrf.setCookie ? { headers: { 'Set-Cookie': csrf.setCookie } } : undefined)
}

export const meta: MetaFunction = () => [{ title: 'Roadshow' }]

export function Layout({ children }: { children: ReactNode }) {
  const { locale } = useRootData()
  const nonce = useNonce()
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

function LanguageSwitch() {
  const { locale, t } = useI18n()
  const location = useLocation()
  return (
    <Form method="post" action="/settings/language" className="lang-switch">
      <CsrfInput />
      <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
      {LOCALES.filter((l) => l !== locale).map((l) => (
        <button key={l} type="submit" name="locale" value={l} className="btn btn-ghost btn-sm" lang={l}>
          {t(`lang.${l}`)}
        </button>
      ))}
    </Form>
  )
}

type NavItem = { to: string; label: string; end?: boolean; count?: number; countLabel?: string }

/**
 * The main navigation: a row of links on a laptop; on a phone a menu button that names the page
 * one is on, opening the links below it (a checkbox and CSS: it works before JavaScript loads).
 */
function MainNav({ user }: { user: NonNullable<RootData['user']> }) {
  const { t } = useI18n()
  const { pathname } = useLocation()
  const can = (p: Parameters<typeof roleCan>[1]) => roleCan(user.role, p)
  const items: NavItem[] = [
    ...(user.role === 'sales' ? [] : [{ to: '/', label: t('workbench.nav'), end: true }]),
    { to: '/campaigns', label: t('nav.campaigns'), end: true },
    ...(user.awaitingApproval
      ? [{ to: '/campaigns?status=submitted', label: t('status.submitted'), count: user.awaitingApproval, countLabel: t('nav.awaitingApproval', { count: user.awaitingApproval }) }]
      : []),
    { to: '/campaigns/timeline', label: t('nav.timeline') },
    ...(can('lead:read') ? [{ to: '/leads', label: t('leads.nav') }] : []),
    ...(can('sales:read') ? [{ to: '/sales', label: t('sales.nav') }] : []),
    ...(can('analysis:read') ? [{ to: '/analysis/channels', label: t('analysis.nav') }, { to: '/analysis/review', label: t('analysis.review.nav') }] : []),
    ...(can('competitor:read') ? [{ to: '/competitors', label: t('competitors.nav') }] : []),
    ...(['sales', 'manager', 'admin'].includes(user.role) ? [{ to: '/desk', label: t('desk.nav') }] : []),
    ...(can('import:run') ? [{ to: '/imports', label: t('imports.nav') }] : []),
    ...(can('user:manage') ? [{ to: '/admin/users', label: t('nav.users') }] : []),
    ...(can('store:manage') ? [{ to: '/admin/stores', label: t('nav.stores') }] : []),
    ...(can('site:manage') ? [{ to: '/admin/sites', label: t('nav.sites') }] : []),
    ...(can('audit:read') ? [{ to: '/admin/audit', label: t('nav.audit') }] : []),
  ]
  // the page one is on: the longest item that is this path or leads into it
  const current = items
    .filter((i) => !i.to.includes('?'))
    .filter((i) => (i.to === '/' ? pathname === '/' : pathname === i.to || pathname.startsWith(`${i.to}/`)))
    .sort((a, b) => b.to.length - a.to.length)[0]
  return (
    <>
      <input key={pathname} type="checkbox" id="nav-toggle" className="nav-toggle" aria-controls="mainnav" aria-label={t('nav.menu')} />
      <label htmlFor="nav-toggle" className="nav-burger" aria-hidden="true">
        <span className="nav-burger-icon">☰</span> {current?.label ?? t('nav.menu')}
      </label>
      <nav aria-label={t('nav.menu')} className="mainnav" id="mainnav">
        {items.map((i) =>
          i.count ? (
            <Link key={i.to} to={i.to} aria-label={i.countLabel}>
              {i.label} <span className="nav-count">{i.count}</span>
            </Link>
          ) : (
            <NavLink key={i.to} to={i.to} end={i.end}>
              {i.label}
            </NavLink>
          ),
        )}
      </nav>
    </>
  )
}

function Shell({ children }: { children: ReactNode }) {
  const { user } = useRootData()
  const { t } = useI18n()
  return (
    <>
      <a href="#main" className="skip-link">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <a href="/" className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          <span>{t('app.name')}</span>
        </a>
        {user ? <MainNav user={user} /> : null}
        {user ? null : (
          <span className="spacer" />
        )}
        <div className="topbar-end">
          <LanguageSwitch />
          {user ? (
            <>
              <NavLink to="/account" className="who">
                <span>{user.name}</span>
                <small>{t(`role.${user.role}`)}</small>
              </NavLink>
              <Form method="post" action="/logout">
                <CsrfInput />
                <button type="submit" className="btn btn-ghost btn-sm">
                  {t('nav.logout')}
                </button>
              </Form>
            </>
          ) : null}
        </div>
      </header>
      <main id="main" className="page">
        {children}
      </main>
    </>
  )
}

export default function App() {
  // a page meant for an <iframe> on a store's website (the lead form) has no app chrome
  const bare = useMatches().some((m) => (m.handle as { bare?: boolean } | undefined)?.bare)
  if (bare) return <Outlet />
  return (
    <Shell>
      <Outlet />
    </Shell>
  )
}

export function ErrorBoundary() {
  const error = useRouteError()
  const { locale } = useRootData()
  const t = translator(locale)
  let title = t('error.title')
  let body = t('error.body')
  let detail: string | null = null
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) {
      title = t('error.notFound')
      body = t('error.notFoundBody')
    } else if (error.status === 403) {
      title = t('error.forbidden')
      body = t('error.forbiddenBody')
      detail = typeof error.data === 'string' ? error.data : null
    } else if (error.status === 400) {
      // the text names each bad field, one a line (app/utils/input.server.ts)
      title = t('error.badRequest')
      body = t('error.badRequestBody')
      detail = typeof error.data === 'string' ? error.data : null
    } else if (error.status < 500 && typeof error.data === 'string') {
      detail = error.data
    }
  }
  const details = detail ? detail.split('\n').filter(Boolean) : []
  return (
    <Shell>
      <section className="error-page" role="alert">
        <h1>{title}</h1>
        <p>{body}</p>
        {details.length > 1 ? (
          <ul className="muted">
            {details.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : details.length ? (
          <p className="muted">{details[0]}</p>
        ) : null}
        <p>
          <a className="btn btn-primary" href="/">
            {t('error.home')}
          </a>
        </p>
      </section>
    </Shell>
  )
}
