import type { ApiDeps } from "../context.js";
import { insertOrgMember } from "../projects/queries/organizations.js";
import { createUser } from "../tokens/service.js";
import { generatePassword, hashPassword, verifyPassword } from "./passwords.js";
import { selectPasswordHash, updatePasswordHash } from "./queries/users.js";

export const DEFAULT_ADMIN_EMAIL = "admin@gantry.local";

export interface AdminCredentials {
  email: string;
  password: string;
}

/**
 * The self-hoster's local admin account, an admin of `organizationId` (npm start: the demo organization).
 * Pass the credentials recorded last time (`.gantry/demo.json` → `admin`): if they still sign in they are kept
 * (`created: false`); otherwise a new password is set and returned once (`created: true`), to print and record.
 */
export async function ensureAdminAccount(
  deps: ApiDeps,
  opts: { organizationId: string; email?: string; known?: Partial<AdminCredentials> | null },
): Promise<AdminCredentials & { created: boolean }> {
  const email = (opts.email ?? opts.known?.email ?? DEFAULT_ADMIN_EMAIL).trim().toLowerCase();
  const user = await createUser(deps, { email, name: "Admin", isAdmin: true });
  await insertOrgMember(deps.sql, opts.organizationId, user.id, "ADMIN");
  const known = opts.known;
  if (known?.password && known.email?.toLowerCase() === email && (await verifyPassword(known.password, await selectPasswordHash(deps.sql, user.id)))) {
    return { email, password: known.password, created: false };
  }
  const password = generatePassword();
  await updatePasswordHash(deps.sql, user.id, await hashPassword(password));
  return { email, password, created: true };
}
