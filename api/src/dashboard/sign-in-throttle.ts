import type { ApiDeps } from "../context.js";
import { ApiError } from "../errors.js";

// Failed password sign-ins per email, per api instance: enough to make guessing slow (scrypt already costs
// ~50 ms a try); a shared limit across instances would need Redis and is not worth it for an admin form.
const MAX_FAILURES = 10;
const WINDOW_MS = 15 * 60_000;

const failuresByDeps = new WeakMap<ApiDeps, Map<string, { count: number; resetAt: number }>>();

function failures(deps: ApiDeps) {
  let map = failuresByDeps.get(deps);
  if (!map) failuresByDeps.set(deps, (map = new Map()));
  return map;
}

/** Throws 429 while `email` has had too many failed sign-ins in the window. */
export function checkSignInAllowed(deps: ApiDeps, email: string): void {
  const entry = failures(deps).get(email);
  const now = deps.clock().getTime();
  if (entry && entry.resetAt > now && entry.count >= MAX_FAILURES) {
    const minutes = Math.ceil((entry.resetAt - now) / 60_000);
    throw new ApiError(429, "rate_limited", `Too many failed sign-ins for ${email}: try again in ${minutes} min (or reset the password with npm start)`, undefined, {
      headers: { "retry-after": String(Math.ceil((entry.resetAt - now) / 1000)) },
    });
  }
}

export function recordSignInFailure(deps: ApiDeps, email: string): void {
  const map = failures(deps);
  const now = deps.clock().getTime();
  const entry = map.get(email);
  if (!entry || entry.resetAt <= now) map.set(email, { count: 1, resetAt: now + WINDOW_MS });
  else entry.count += 1;
}

export function clearSignInFailures(deps: ApiDeps, email: string): void {
  failures(deps).delete(email);
}
