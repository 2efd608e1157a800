import type { Db as Sql } from "../../db/sql.js";

/** Stores an artifact; storing the same hash again does nothing (content-addressed). */
export async function insertArtifact(sql: Sql, hash: string, content: Buffer): Promise<void> {
  await sql`insert into artifacts (hash, content, size) values (${hash}, ${content}, ${content.length}) on conflict (hash) do nothing`;
}

export async function selectArtifact(sql: Sql, hash: string): Promise<Buffer | undefined> {
  const [row] = await sql<{ content: Buffer }[]>`select content from artifacts where hash = ${hash}`;
  return row?.content;
}

export async function artifactExists(sql: Sql, hash: string): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`select exists(select 1 from artifacts where hash = ${hash})`;
  return row?.exists ?? false;
}

/** Whether a deployment of the project uses the artifact (what lets a project's keys read it). */
export async function projectUsesArtifact(sql: Sql, projectId: string, hash: string): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`
    select exists(select 1 from deployments where project_id = ${projectId} and artifact_hash = ${hash})`;
  return row?.exists ?? false;
}

/** Whether a deployment in one of the user's organizations' projects uses the artifact. */
export async function userCanReadArtifact(sql: Sql, userId: string, hash: string): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`
    select exists(
      select 1 from deployments d
      join projects p on p.id = d.project_id
      join org_members m on m.organization_id = p.organization_id and m.user_id = ${userId}
      where d.artifact_hash = ${hash}) as exists`;
  return row?.exists ?? false;
}
