import type { z } from "zod";
import type { ClaimDeliveryBody } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { deleteDelivery, insertDelivery } from "./queries/deliveries.js";

/** First sight of an X-GitHub-Delivery id → handle it; seen before → a redelivery, do nothing. */
export async function claimDelivery(deps: ApiDeps, body: z.infer<typeof ClaimDeliveryBody>): Promise<{ duplicate: boolean }> {
  const fresh = await insertDelivery(deps.sql, { id: body.deliveryId, event: body.event, action: body.action ?? null });
  return { duplicate: !fresh };
}

/** Handling failed: forget the id so a redelivery is handled. */
export async function releaseDelivery(deps: ApiDeps, id: string): Promise<void> {
  await deleteDelivery(deps.sql, id);
}
