import { task, wait } from "@gantry/sdk";

export const rtChild = task({
  id: "rt-child",
  run: async (payload: { i: number }) => payload.i,
});

/** `rounds` sequential triggerAndWait round trips, each timed inside the parent (trigger → child done → resumed). */
export const rtParent = task({
  id: "rt-parent",
  run: async (payload: { rounds: number }) => {
    const ms: number[] = [];
    for (let i = 0; i < payload.rounds; i++) {
      const t = performance.now();
      const out = await rtChild.triggerAndWait({ i }).unwrap();
      ms.push(performance.now() - t);
      if (out !== i) throw new Error(`round ${i} returned ${out}`);
    }
    return { ms };
  },
});

/** Waits for a token and reports when it resumed (epoch ms, same machine as the bench). */
export const tokenWaiter = task({
  id: "token-waiter",
  run: async (payload: { tokenId: string }) => {
    const result = await wait.forToken(payload.tokenId);
    return { resumedAt: Date.now(), ok: result.ok };
  },
});
