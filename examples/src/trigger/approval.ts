import { logger, metadata, task, wait } from "@gantry/sdk";

/**
 * A refund that waits for a person: it creates a waitpoint token, says where to complete it (the run's metadata
 * and log carry the token id and its callback URL), waits without holding a concurrency slot, and continues
 * with the answer. Complete it with the secret key (POST /api/v1/waitpoints/tokens/<id>/complete,
 * body {"output": {"approved": true}}), or POST any JSON to the callback URL, no key needed.
 */
export const approveRefund = task({
  id: "approve-refund",
  run: async (payload: { orderId: string; amountCents: number; timeout?: string }) => {
    const token = await wait.createToken({ timeout: payload.timeout ?? "1h", tags: [`order:${payload.orderId}`] });
    metadata.set("status", "waiting for approval").set("tokenId", token.id).set("approveUrl", token.url);
    await metadata.flush(); // visible before the run starts waiting
    logger.info("Waiting for approval", {
      tokenId: token.id,
      approve: `curl -X POST '${token.url}' -H 'Content-Type: application/json' -d '{"approved":true}'`,
    });

    const answer = await wait.forToken<{ approved?: boolean; note?: string }>(token);
    if (!answer.ok) {
      await metadata.set("status", "timed out").flush();
      return { orderId: payload.orderId, refunded: false, reason: "nobody answered in time" };
    }
    const approved = answer.output.approved === true;
    await metadata.set("status", approved ? "approved" : "rejected").flush(); // stored before the run completes
    logger.info(approved ? "Refund approved" : "Refund rejected", { note: answer.output.note });
    return { orderId: payload.orderId, refunded: approved, amountCents: approved ? payload.amountCents : 0, note: answer.output.note };
  },
});
