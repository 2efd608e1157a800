import type { TaskRunError } from "../contracts/index.js";

/** An error as the run records it: Errors keep name, message and stack; strings and other values are kept raw. */
export function serializeError(error: unknown): TaskRunError {
  if (error instanceof Error || (error && typeof error === "object" && "message" in error && "name" in error)) {
    const e = error as Error;
    const out: TaskRunError = { type: "BUILT_IN_ERROR", name: String(e.name), message: String(e.message) };
    if (e.stack) out.stackTrace = e.stack;
    return out;
  }
  if (typeof error === "string") return { type: "STRING_ERROR", message: error };
  let raw: string;
  try {
    raw = JSON.stringify(error) ?? String(error);
  } catch {
    raw = String(error);
  }
  return { type: "CUSTOM_ERROR", message: raw };
}

/** An error raised by the runtime itself (not user code), e.g. COULD_NOT_FIND_TASK. */
export function internalError(code: string, message: string, stack?: string): TaskRunError {
  return { type: "INTERNAL_ERROR", code, message, ...(stack ? { stackTrace: stack } : {}) };
}
