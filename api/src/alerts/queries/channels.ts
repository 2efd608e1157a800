import type { AlertChannelType, AlertEventType, EnvironmentType } from "@gantry/sdk/contracts";
import type { Db } from "../../db/sql.js";

export interface ChannelRow {
  id: string;
  project_id: string;
  name: string;
  type: AlertChannelType;
  target: string;
  secret_encrypted: string | null;
  events: AlertEventType[];
  environment_types: EnvironmentType[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export async function insertChannel(
  sql: Db,
  c: Omit<ChannelRow, "created_at" | "updated_at"> & { created_by_user_id: string },
): Promise<void> {
  await sql`
    insert into alert_channels (id, project_id, name, type, target, secret_encrypted, events, environment_types, enabled, created_by_user_id)
    values (${c.id}, ${c.project_id}, ${c.name}, ${c.type}, ${c.target}, ${c.secret_encrypted}, ${c.events}::text[],
      ${c.environment_types}::text[], ${c.enabled}, ${c.created_by_user_id})`;
}

export async function selectChannels(sql: Db, projectId: string): Promise<ChannelRow[]> {
  return sql<ChannelRow[]>`select * from alert_channels where project_id = ${projectId} order by created_at, id`;
}

export async function selectChannel(sql: Db, projectId: string, id: string): Promise<ChannelRow | undefined> {
  const [row] = await sql<ChannelRow[]>`select * from alert_channels where project_id = ${projectId} and id = ${id}`;
  return row;
}

export async function updateChannel(
  sql: Db,
  projectId: string,
  id: string,
  u: { name?: string; events?: string[]; environmentTypes?: string[]; enabled?: boolean },
): Promise<boolean> {
  const rows = await sql`
    update alert_channels set
      name = coalesce(${u.name ?? null}, name),
      events = coalesce(${u.events ?? null}::text[], events),
      environment_types = coalesce(${u.environmentTypes ?? null}::text[], environment_types),
      enabled = coalesce(${u.enabled ?? null}::boolean, enabled),
      updated_at = now()
    where project_id = ${projectId} and id = ${id}
    returning id`;
  return rows.length > 0;
}

export async function deleteChannel(sql: Db, projectId: string, id: string): Promise<boolean> {
  const rows = await sql`delete from alert_channels where project_id = ${projectId} and id = ${id} returning id`;
  return rows.length > 0;
}
