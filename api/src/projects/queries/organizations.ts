import type { Db as Sql } from "../../db/sql.js";

export interface OrganizationRow {
  id: string;
  slug: string;
  title: string;
}

/** Inserts an organization, or returns the one with that slug. */
export async function upsertOrganization(sql: Sql, org: OrganizationRow): Promise<OrganizationRow> {
  const [row] = await sql<OrganizationRow[]>`
    insert into organizations (id, slug, title) values (${org.id}, ${org.slug}, ${org.title})
    on conflict (slug) do update set slug = excluded.slug
    returning id, slug, title`;
  return row!;
}

export async function insertOrgMember(sql: Sql, organizationId: string, userId: string, role: "ADMIN" | "MEMBER"): Promise<void> {
  await sql`
    insert into org_members (organization_id, user_id, role) values (${organizationId}, ${userId}, ${role})
    on conflict do nothing`;
}

export async function selectUserOrganizations(sql: Sql, userId: string): Promise<OrganizationRow[]> {
  return sql<OrganizationRow[]>`
    select o.id, o.slug, o.title from organizations o
    join org_members m on m.organization_id = o.id
    where m.user_id = ${userId}
    order by m.created_at, o.slug`;
}
