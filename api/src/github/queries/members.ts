import type { Sql } from "postgres";

export async function selectOrgRole(sql: Sql, organizationId: string, userId: string): Promise<"ADMIN" | "MEMBER" | undefined> {
  const [row] = await sql<{ role: "ADMIN" | "MEMBER" }[]>`
    select role from org_members where organization_id = ${organizationId} and user_id = ${userId}`;
  return row?.role;
}

/** Is the GitHub login a member of the project's organization (a Gantry user linked to that GitHub account)? */
export async function isProjectMemberByGitHub(sql: Sql, projectId: string, githubId: number): Promise<boolean> {
  const rows = await sql`
    select 1 from projects p join org_members m on m.organization_id = p.organization_id
    join users u on u.id = m.user_id
    where p.id = ${projectId} and u.github_id = ${githubId} limit 1`;
  return rows.length === 1;
}
