import type { Sql } from "postgres";

/** Records a delivery id; false when it was already recorded (a redelivery). */
export async function insertDelivery(sql: Sql, row: { id: string; event: string; action: string | null }): Promise<boolean> {
  const inserted = await sql`
    insert into github_deliveries (id, event, action) values (${row.id}, ${row.event}, ${row.action})
    on conflict (id) do nothing returning id`;
  return inserted.length === 1;
}

/** Forgets a delivery whose handling failed, so GitHub's redelivery is handled again. */
export async function deleteDelivery(sql: Sql, id: string): Promise<void> {
  await sql`delete from github_deliveries where id = ${id}`;
}
