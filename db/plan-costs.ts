import { sql } from 'drizzle-orm'
import type { DbOrTx } from './client'

/**
 * The plan's media and promotion costs flow into the budget (SPEC §2, ADR 023): each
 * placement and each promotion policy has its budget line, planned at its cost (a promotion's
 * unit cost × expected units), made or brought up to date here in two statements whatever
 * the campaign's size; a removed placement's line goes with it (foreign key cascade). Called
 * by every write of a plan's placements or promotions (save, clone, the demo seed).
 */
export async function syncPlanCostLines(db: DbOrTx, campaignId: string) {
  await db.execute(sql`
    insert into budget_lines (campaign_id, position, category, description, planned_fen, placement_id)
    select campaign_id, position, 'media', platform, cost_fen, id from media_placements where campaign_id = ${campaignId}
    on conflict (placement_id) do update set position = excluded.position, description = excluded.description, planned_fen = excluded.planned_fen
    where (budget_lines.position, budget_lines.description, budget_lines.planned_fen) is distinct from (excluded.position, excluded.description, excluded.planned_fen)`)
  await db.execute(sql`
    insert into budget_lines (campaign_id, position, category, description, planned_fen, promotion_id)
    select campaign_id, position, 'promotion', description, unit_cost_fen * expected_units, id from promotion_policies where campaign_id = ${campaignId}
    on conflict (promotion_id) do update set position = excluded.position, description = excluded.description, planned_fen = excluded.planned_fen
    where (budget_lines.position, budget_lines.description, budget_lines.planned_fen) is distinct from (excluded.position, excluded.description, excluded.planned_fen)`)
}

/** Each budget line's actual is the sum of its spend entries (null when it has none): kept by every write of them. */
export async function refreshLineActuals(db: DbOrTx, where: { lineId: string } | { campaignId: string }) {
  const filter = 'lineId' in where ? sql`b.id = ${where.lineId}` : sql`b.campaign_id = ${where.campaignId}`
  await db.execute(sql`
    update budget_lines b set actual_fen = s.total
    from (select b2.id, (select sum(amount_fen) from spend_entries e where e.budget_line_id = b2.id) as total from budget_lines b2) s
    where s.id = b.id and ${filter} and b.actual_fen is distinct from s.total`)
}
