import type { Db as Sql } from "../../db/sql.js";

/** Whether the user belongs to the organization (the one gate between a session and an environment). */
export async function isOrganizationMember(sql: Sql, organizationId: string, userId: string): Promise<boolean> {
  const rows = await sql`select 1 from org_members where organization_id = ${organizationId} and user_id = ${userId}`;
  return rows.length === 1;
}
