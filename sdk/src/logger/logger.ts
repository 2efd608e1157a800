import type { LogEvent } from "../contracts/index.js";
import { currentExecution, runWithStore } from "../runtime/current.js";

export type LogLevel = "none" | "error" | "warn" | "info" | "log" | "debug";
type Level = Exclude<LogEvent["level"], "trace">;

const RANK: Record<LogLevel | Level, number> = { none: 0, error: 1, warn: 2, info: 3, log: 3, debug: 4 };
const LEVEL_KEY = Symbol.for("gantry.sdk.logLevel");

/** Sets which `logger.*` calls are kept (config `logLevel`; `console.*` is always kept). */
export function setLogLevel(level: LogLevel): void {
  (globalThis as { [LEVEL_KEY]?: LogLevel })[LEVEL_KEY] = level;
}

function enabled(level: Level): boolean {
  const configured = (globalThis as { [LEVEL_KEY]?: LogLevel })[LEVEL_KEY] ?? "info";
  return RANK[level] <= RANK[configured];
}

/** A span of `logger.trace`: set attributes on it while it runs. */
export interface Span {
  readonly spanId: string;
  setAttribute(key: string, value: unknown): void;
  setAttributes(attributes: Record<string, unknown>): void;
}

function write(level: Level, message: string, attributes?: Record<string, unknown>): void {
  const store = currentExecution();
  if (!store) {
    // Outside a task (a backend using the client): plain console output.
    (console[level === "log" ? "log" : level] ?? console.log)(message, ...(attributes ? [attributes] : []));
    return;
  }
  if (!enabled(level)) return;
  store.emit({ level, message, ...(attributes ? { attributes: toJsonSafe(attributes) } : {}), ...(store.spanId ? { parentSpanId: store.spanId } : {}) });
}

async function trace<T>(name: string, fn: (span: Span) => Promise<T> | T, attributes?: Record<string, unknown>): Promise<T> {
  const store = currentExecution();
  const spanId = randomId();
  const spanAttributes: Record<string, unknown> = { ...attributes };
  const span: Span = {
    spanId,
    setAttribute: (key, value) => void (spanAttributes[key] = value),
    setAttributes: (values) => void Object.assign(spanAttributes, values),
  };
  if (!store) return fn(span);
  const started = performance.now();
  const time = Date.now();
  let failed: unknown;
  try {
    return await runWithStore({ ...store, spanId }, () => fn(span));
  } catch (error) {
    failed = error;
    throw error;
  } finally {
    const durationMs = performance.now() - started;
    if (failed !== undefined) spanAttributes.error = failed instanceof Error ? failed.message : String(failed);
    store.emit({
      kind: "span",
      level: failed !== undefined ? "error" : "trace",
      message: name,
      time,
      spanId,
      ...(store.spanId ? { parentSpanId: store.spanId } : {}),
      durationMs,
      ...(Object.keys(spanAttributes).length ? { attributes: toJsonSafe(spanAttributes) } : {}),
    });
  }
}

/**
 * Structured logs and spans, stored with the run (`logger.*` is filtered by the config's `logLevel`).
 *
 * @example
 * import { logger, task } from "@gantry/sdk";
 * export const t = task({
 *   id: "logs",
 *   run: async () => {
 *     logger.info("starting", { step: 1 });
 *     const user = await logger.trace("fetch-user", async (span) => {
 *       span.setAttribute("user.id", "1");
 *       return { id: "1" };
 *     });
 *     logger.warn("done", { user });
 *   },
 * });
 */
export const logger = {
  debug: (message: string, attributes?: Record<string, unknown>) => write("debug", message, attributes),
  log: (message: string, attributes?: Record<string, unknown>) => write("log", message, attributes),
  info: (message: string, attributes?: Record<string, unknown>) => write("info", message, attributes),
  warn: (message: string, attributes?: Record<string, unknown>) => write("warn", message, attributes),
  error: (message: string, attributes?: Record<string, unknown>) => write("error", message, attributes),
  trace,
};

/** Attributes travel as JSON: Errors become {name, message, stack}, cycles and functions are dropped. */
export function toJsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack };
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "function" || typeof v === "symbol") return undefined;
    if (v && typeof v === "object") {
      if (seen.has(v)) return "[Circular]";
      seen.add(v);
    }
    return v;
  });
  return text === undefined ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
