import { competitorObservations, modelSegments, segmentModels } from './schema'
import type { SeenAt } from './schema/enums'
import type { DbOrTx } from './client'

/**
 * The demo group's competitor intelligence (SPEC §5): its model segments (our 大众 models against
 * the Japanese rivals they meet in the showroom) and a year of observations — prices, discounts
 * and promotions seen at rivals' showrooms, auto shows, websites and car platforms. Deterministic:
 * the same day gives the same data.
 */
const SEGMENTS: Array<{ name: string; ours: string[]; theirs: Array<[brand: string, model: string, listYuan: number]> }> = [
  { name: '紧凑型轿车', ours: ['朗逸', '速腾'], theirs: [['日产', '轩逸', 109_800], ['丰田', '卡罗拉', 119_800], ['本田', '思域', 129_900]] },
  { name: '中型SUV', ours: ['途观L', '探岳'], theirs: [['丰田', 'RAV4荣放', 179_800], ['本田', 'CR-V', 181_900], ['日产', '奇骏', 169_800]] },
  { name: '中型轿车', ours: ['迈腾', '帕萨特'], theirs: [['丰田', '凯美瑞', 179_800], ['本田', '雅阁', 179_800], ['日产', '天籁', 179_800]] },
  { name: '纯电SUV', ours: ['ID.4 CROZZ'], theirs: [['丰田', 'bZ4X', 199_800], ['比亚迪', '元PLUS', 139_800]] },
]

const PROMOTIONS = ['置换补贴 8000 元', '0 首付 + 两年免息', '首任车主终身免费保养', '到店试驾送 500 元油卡', '限时一口价', '']
const PLACES: Record<SeenAt, string[]> = {
  store: ['东风日产西湖店', '广汽丰田城西店', '东风本田滨江店', '一汽丰田萧山店'],
  auto_show: ['杭州国际车展', '宁波车展'],
  website: ['品牌官网'],
  platform: ['汽车之家', '懂车帝'],
  other: ['朋友圈广告'],
}
const KINDS: SeenAt[] = ['store', 'store', 'store', 'platform', 'auto_show', 'website']

export async function seedCompetitors(tx: DbOrTx, input: { groupId: string; storeIds: string[]; observerIds: string[]; today: Date }) {
  const segments = await tx
    .insert(modelSegments)
    .values(SEGMENTS.map((s) => ({ groupId: input.groupId, name: s.name })))
    .returning({ id: modelSegments.id, name: modelSegments.name })
  await tx.insert(segmentModels).values(
    SEGMENTS.flatMap((s) => {
      const segmentId = segments.find((r) => r.name === s.name)!.id
      return [
        ...s.ours.map((model, i) => ({ segmentId, brand: '大众', model, ours: true, position: i })),
        ...s.theirs.map(([brand, model], i) => ({ segmentId, brand, model, ours: false, position: s.ours.length + i })),
      ]
    }),
  )
  const day = (back: number) => new Date(input.today.getTime() - back * 86_400_000).toISOString().slice(0, 10)
  const rivals = SEGMENTS.flatMap((s) => s.theirs)
  const rows: Array<typeof competitorObservations.$inferInsert> = []
  // about every eight days for a year, a rival's price as someone saw it; discounts deepen toward year end
  for (let i = 0; i < 46; i++) {
    const back = 3 + i * 8
    const [brand, model, listYuan] = rivals[(i * 7) % rivals.length]!
    const seenAt = KINDS[i % KINDS.length]!
    const discountYuan = Math.round((listYuan * (0.06 + ((i * 13) % 7) / 100)) / 100) * 100
    const promotion = PROMOTIONS[i % PROMOTIONS.length]!
    rows.push({
      storeId: input.storeIds[i % 3 === 2 ? 1 : 0]!,
      brand,
      model,
      trim: '',
      listPriceFen: listYuan * 100,
      discountFen: discountYuan * 100,
      transactionPriceFen: (listYuan - discountYuan) * 100,
      promotion,
      promotionStart: promotion ? day(back + 10) : null,
      promotionEnd: promotion ? day(back - 20) : null,
      seenAt,
      place: PLACES[seenAt][i % PLACES[seenAt].length]!,
      seenOn: day(back),
      seenById: input.observerIds[i % input.observerIds.length]!,
    })
  }
  await tx.insert(competitorObservations).values(rows)
  return { segments: segments.length, observations: rows.length }
}
