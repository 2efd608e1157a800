import { logger, queue, schemaTask, task } from "@gantry/sdk";
import { z } from "zod";

// At most 2 items of one customer are packed at once (each customer gets its own copy of the limit through the
// `concurrencyKey`), so one customer's big order never holds up another customer's.
const fulfilment = queue({ name: "fulfilment", concurrencyLimit: 2 });

/** One line of an order: reserve the stock and pack it. Records its own start and end for the dashboard. */
export const fulfilItem = task({
  id: "fulfil-item",
  queue: fulfilment,
  run: async (payload: { orderId: string; sku: string; quantity: number; packMs?: number }) => {
    const startedAt = Date.now();
    logger.info("Packing", { orderId: payload.orderId, sku: payload.sku, quantity: payload.quantity });
    await new Promise((resolve) => setTimeout(resolve, payload.packMs ?? 300)); // the warehouse at work
    return { sku: payload.sku, quantity: payload.quantity, startedAt, finishedAt: Date.now() };
  },
});

const Order = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() })).min(1).max(100),
  /** how long packing one item takes (ms): lets the demo show the queue limit at work */
  packMs: z.number().int().min(0).max(10_000).optional(),
});

/**
 * An order pipeline: validates the order (a schemaTask: a bad order fails at once, without retries), fans out one
 * child run per item with batchTriggerAndWait and waits for all of them (without holding a concurrency slot
 * while it waits), then sums up. Trigger it with `options.idempotencyKey` set to the order id and a retried
 * checkout request never ships an order twice.
 */
export const processOrder = schemaTask({
  id: "process-order",
  schema: Order,
  run: async (order) => {
    const { runs } = await fulfilItem.batchTriggerAndWait(
      order.items.map((item) => ({
        payload: { orderId: order.orderId, sku: item.sku, quantity: item.quantity, packMs: order.packMs },
        options: { concurrencyKey: order.customerId, tags: [`order:${order.orderId}`] },
      })),
    );
    const packed = runs.flatMap((run) => (run.ok ? [run.output] : []));
    const failed = runs.filter((run) => !run.ok).map((run) => run.id);
    logger.info("Order packed", { orderId: order.orderId, packed: packed.length, failed: failed.length });
    return { orderId: order.orderId, customerId: order.customerId, packed, failed };
  },
});
