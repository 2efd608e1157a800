import type { ApiDeps } from "../context.js";
import { decrypt } from "../crypto/encryption.js";
import { catchUpAlerts } from "./catch-up.js";
import { claimDueDeliveries, markAttemptFailed, markDelivered, type ClaimedDelivery } from "./queries/deliveries.js";
import { deliver, DeliveryError } from "./senders.js";
import { setAlertWaker } from "./wake.js";

const BATCH = 20;
/** A claimed delivery another instance may take over after this long (its instance died mid-attempt). */
const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 3600_000;
/** The catch-up sweep runs on one poll in this many (and on the first). */
const CATCH_UP_EVERY = 15;

/** Backoff before attempt n+1 after n failed ones: base, 2×base, 4×base … capped at an hour. */
export function retryDelayMs(baseMs: number, attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

async function attempt(deps: ApiDeps, d: ClaimedDelivery): Promise<void> {
  try {
    const secret = d.secret_encrypted ? decrypt(deps.config.encryptionKey, d.secret_encrypted) : null;
    const status = await deliver(deps.config, { type: d.channel_type, target: d.target, secret }, d.body);
    await markDelivered(deps.sql, d.id, d.attempts, status);
  } catch (error) {
    const last = d.attempts >= d.max_attempts;
    await markAttemptFailed(deps.sql, d.id, d.attempts, {
      error: error instanceof Error ? error.message : String(error),
      statusCode: error instanceof DeliveryError ? error.statusCode : null,
      retryInMs: last ? null : retryDelayMs(deps.config.GANTRY_ALERT_RETRY_BASE_MS, d.attempts),
    });
  }
}

/** One pass: claims due deliveries in batches and sends them until none is due. Returns how many it attempted. */
export async function deliverDueAlerts(deps: ApiDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await claimDueDeliveries(deps.sql, BATCH, LEASE_MS);
    await Promise.all(batch.map((d) => attempt(deps, d)));
    total += batch.length;
    if (batch.length < BATCH) return total;
  }
}

/**
 * Sends alert deliveries in the background: every GANTRY_ALERT_POLL_MS, and at once when this instance
 * records new ones. Deliveries live in Postgres, so any instance may send them and a restart loses none; every
 * 15th poll also records what the immediate paths missed (catch-up.ts).
 * Returns a stop function.
 */
export function startAlertDelivery(deps: ApiDeps): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  let again = false;
  let stopped = false;
  let polls = 0;
  const pass = async () => {
    if (polls++ % CATCH_UP_EVERY === 0) await catchUpAlerts(deps);
    await deliverDueAlerts(deps);
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => console.error("[alerts] delivering alerts failed (will retry):", error))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, deps.config.GANTRY_ALERT_POLL_MS);
  timer.unref();
  setAlertWaker(deps, tick);
  return async () => {
    stopped = true;
    clearInterval(timer);
    setAlertWaker(deps, undefined);
    await running;
  };
}
