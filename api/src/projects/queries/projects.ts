import type { Db as Sql } from "../../db/sql.js";

export interface ProjectRow {
  id: string;
  ref: string;
  name: string;
  slug: string;
  organization_id: string;
  organization_slug: string;
  organization_title: string;
}

export async function insertProject(
  sql: Sql,
  p: { id: string; ref: string; organizationId: string; name: string; slug: string },
): Promise<boolean> {
  const rows = await sql`
    insert into projects (id, ref, organization_id, name, slug)
    values (${p.id}, ${p.ref}, ${p.organizationId}, ${p.name}, ${p.slug})
    on conflict (ref) do nothing returning id`;
  return rows.length === 1;
}

export async function selectProjectByRef(sql: Sql, ref: string): Promise<ProjectRow | undefined> {
  const [row] = await sql<ProjectRow[]>`
    select p.id, p.ref, p.name, p.slug, p.organization_id, o.slug as organization_slug, o.title as organization_title
    from projects p join organizations o on o.id = p.organization_id
    where p.ref = ${ref}`;
  return row;
}

/** The project, if `userId` is a member of its organization. */
export async function selectProjectForMember(sql: Sql, ref: string, userId: string): Promise<ProjectRow | undefined> {
  const [row] = await sql<ProjectRow[]>`
    select p.id, p.ref, p.name, p.slug, p.organization_id, o.slug as organization_slug, o.title as organization_title
    from projects p
    join organizations o on o.id = p.organization_id
    join org_members m on m.organization_id = p.organization_id and m.user_id = ${userId}
    where p.ref = ${ref}`;
  return row;
}

export async function selectProjectsForMember(sql: Sql, userId: string): Promise<ProjectRow[]> {
  return sql<ProjectRow[]>`
    select p.id, p.ref, p.name, p.slug, p.organization_id, o.slug as organization_slug, o.title as organization_title
    from projects p
    join organizations o on o.id = p.organization_id
    join org_members m on m.organization_id = p.organization_id and m.user_id = ${userId}
    order by p.created_at, p.ref`;
}
