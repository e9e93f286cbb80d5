/** A chart rendered on the server from a vega-lite spec; `title` names it for screen readers. */
export function ChartSvg({ svg, title, className }: { svg: string; title: string; className?: string }) {
  return <figure className={`chart ${className ?? ''}`} role="img" aria-label={title} dangerouslySetInnerHTML={{ __html: svg }} />
}
