import type { z } from "zod";
import type { InstallationRepositoriesBody, UpsertInstallationBody } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { markInstallationDeleted, removeRepositories, upsertInstallation, upsertRepositories } from "./queries/installations.js";

/** `installation.created` (and the periodic sweep): the installation and exactly the repositories it grants. */
export async function recordInstallation(deps: ApiDeps, body: z.infer<typeof UpsertInstallationBody>): Promise<void> {
  await deps.sql.begin(async (tx) => {
    const sql = tx as unknown as ApiDeps["sql"];
    await upsertInstallation(sql, { id: body.installationId, accountLogin: body.account.login, accountId: body.account.id, suspended: body.suspended ?? false });
    await upsertRepositories(sql, body.installationId, body.repositories);
    await removeRepositories(sql, body.installationId, body.repositories.map((r) => r.id), "all-but-these");
  });
}

/** `installation_repositories`: repositories added to or removed from an installation. */
export async function changeInstallationRepositories(deps: ApiDeps, installationId: number, body: z.infer<typeof InstallationRepositoriesBody>): Promise<void> {
  await upsertRepositories(deps.sql, installationId, body.added);
  await removeRepositories(deps.sql, installationId, body.removed.map((r) => r.id), "these");
}

/** `installation.deleted`: its repositories stop building (connections stay, for a reinstall). */
export async function deleteInstallation(deps: ApiDeps, installationId: number): Promise<void> {
  await markInstallationDeleted(deps.sql, installationId);
}
