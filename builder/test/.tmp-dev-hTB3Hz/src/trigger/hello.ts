import { readFileSync } from "node:fs";
import { task } from "@gantry/sdk";
import superjson from "superjson";

if (!(globalThis as { __initRanFirst?: boolean }).__initRanFirst) throw new Error("init.ts was not imported first");

export const hello = task({
  id: "hello",
  retry: { maxAttempts: 2 },
  queue: { name: "greetings", concurrencyLimit: 3 },
  run: async (payload: { name: string }) => {
    const greeting = readFileSync(new URL("./data/greeting.txt", import.meta.url), "utf8").trim();
    return superjson.stringify({ message: `${greeting}, ${payload.name}` });
  },
});
