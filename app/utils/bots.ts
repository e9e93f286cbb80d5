import { createIsbotFromList, isbotPatterns, list } from 'isbot'

/**
 * Who is not a person: the click counter of tracking links (SPEC §3) and the collect
 * endpoint both drop these. `isbot` knows the world's crawlers; China's are listed here
 * as well, so that a change in isbot's list does not start counting them.
 */
const CHINA_CRAWLERS =
  /baiduspider|baidu-yunguance|baiduboxapp-spider|sogou[ a-z]*spider|360spider|haosouspider|yisouspider|bytespider|toutiaospider|petalbot|yodaobot|youdaobot|easouspider|sosospider|chinasospider|yyspider|jikespider|mpcrawler|wechatbot|sm-spider|shenmaspider|quarkspider/i

/**
 * In-app browsers of Chinese apps whose user agents contain a word isbot reads as a
 * crawler: Toutiao (今日头条) ends its agent with "(News 8.0.8 …)". Those are people
 * reading an ad in the app, so the patterns they match are left out.
 */
const IN_APP_BROWSERS = [
  'Mozilla/5.0 (Linux; Android 10; M2007J3SC Build/QKQ1.191222.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/77.0.3865.120 MQQBrowser/6.2 TBS/045513 Mobile Safari/537.36 NewsArticle/8.0.8 JsSdk/2.0 NetType/WIFI (News 8.0.8 29.0)',
]
const inAppPatterns = new Set(IN_APP_BROWSERS.flatMap((ua) => isbotPatterns(ua)))
const isbotForChina = createIsbotFromList(list.filter((pattern) => !inAppPatterns.has(pattern)))

/**
 * The verdicts on recent agents: a store's visitors come with a few hundred distinct agents,
 * and isbot's one large pattern costs more than the rest of a beacon's checks. Forgotten all
 * at once when full (a flood of made-up agents costs the pattern, not memory).
 */
const verdicts = new Map<string, boolean>()
const VERDICTS_MAX = 5_000

/** True for crawlers, link checkers and scripts; also for a request without a user agent, which no browser sends. */
export function isBotAgent(userAgent: string | null | undefined): boolean {
  const ua = userAgent?.trim()
  if (!ua) return true
  let bot = verdicts.get(ua)
  if (bot === undefined) {
    bot = CHINA_CRAWLERS.test(ua) || isbotForChina(ua)
    if (ua.length <= 1_024) {
      if (verdicts.size >= VERDICTS_MAX) verdicts.clear()
      verdicts.set(ua, bot)
    }
  }
  return bot
}
