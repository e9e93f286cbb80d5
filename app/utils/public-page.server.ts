import { translator, type MessageKey } from '../i18n'
import { resolveLocale } from './i18n.server'

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * A small self-contained page for people who are not users of the app — someone who
 * scanned a QR code from a poster — in their browser's language. Resource routes answer
 * with it where a React page would cost the root loader on every redirect.
 */
export function publicMessagePage(request: Request, status: number, title: MessageKey, body: MessageKey) {
  const locale = resolveLocale(request)
  const t = translator(locale)
  const html = `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(t(title))}</title>
<style>
body{margin:0;font:16px/1.6 -apple-system,BlinkMacSystemFont,'Segoe UI','PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#1f2329;background:#f5f6f8}
main{max-width:480px;margin:15vh auto 0;padding:24px;text-align:center}
h1{font-size:22px;font-weight:600;margin:0 0 12px}p{color:#646a73;margin:0}
</style>
</head>
<body>
<main role="main">
<h1>${escapeHtml(t(title))}</h1>
<p>${escapeHtml(t(body))}</p>
</main>
</body>
</html>`
  return new Response(html, {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex',
      'Content-Language': locale,
    },
  })
}
