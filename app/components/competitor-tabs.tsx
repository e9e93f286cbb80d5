import { NavLink } from '@remix-run/react'
import { useI18n } from '../utils/use-root'

/** The pages of competitor intelligence, one tap apart: what was seen, where our prices sit, the market data, the segments. */
export function CompetitorTabs() {
  const { t } = useI18n()
  const tabs = [
    { to: '/competitors', label: t('competitors.tab.observations'), end: true },
    { to: '/competitors/price', label: t('competitors.tab.price') },
    { to: '/competitors/promotions', label: t('competitors.tab.promotions') },
    { to: '/competitors/conquest', label: t('competitors.tab.conquest') },
    { to: '/competitors/share', label: t('competitors.tab.share') },
    { to: '/competitors/market', label: t('market.tab') },
    { to: '/competitors/segments', label: t('competitors.tab.segments') },
  ]
  return (
    <nav className="tabs no-print" aria-label={t('competitors.title')}>
      {tabs.map((tab) => (
        <NavLink key={tab.to} to={tab.to} end={tab.end}>
          {tab.label}
        </NavLink>
      ))}
    </nav>
  )
}
