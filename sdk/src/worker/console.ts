import { format } from "node:util";
import type { LogEvent } from "../contracts/index.js";
import { currentExecution } from "../runtime/current.js";

const METHODS: [keyof Console, Exclude<LogEvent["level"], "trace">][] = [
  ["log", "log"],
  ["info", "info"],
  ["warn", "warn"],
  ["error", "error"],
  ["debug", "debug"],
];

let installed = false;

/** Routes console.* inside an attempt to the run's logs (always kept, whatever logLevel); outside, to stdout. */
export function interceptConsole(): void {
  if (installed) return;
  installed = true;
  for (const [method, level] of METHODS) {
    const original = (console[method] as (...args: unknown[]) => void).bind(console);
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const store = currentExecution();
      if (!store) return original(...args);
      store.emit({ level, message: format(...args), ...(store.spanId ? { parentSpanId: store.spanId } : {}) });
    };
  }
}
