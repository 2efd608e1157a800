import { currentExecution } from "../runtime/current.js";

/** A typed slot for a value shared by middleware, hooks and `run` within one attempt. */
export interface Local<T> {
  readonly key: symbol;
  readonly name: string;
  /** type-only */
  readonly __type?: T;
}

function store(action: string): Map<symbol, unknown> {
  const execution = currentExecution();
  if (!execution) throw new Error(`locals.${action}() must be called inside a task attempt (run, a hook or middleware)`);
  return execution.locals;
}

/**
 * Share values between middleware, hooks and `run`, per attempt (concurrent attempts never see each other's).
 *
 * @example
 * import { locals, tasks } from "@gantry/sdk";
 * const DbLocal = locals.create<{ query(sql: string): Promise<unknown> }>("db");
 * tasks.middleware("db", async ({ next }) => {
 *   locals.set(DbLocal, await connect());
 *   await next();
 * });
 * export const getDb = () => locals.getOrThrow(DbLocal);
 */
export const locals = {
  create<T>(name: string): Local<T> {
    return { key: Symbol(name), name };
  },
  get<T>(local: Local<T>): T | undefined {
    return store("get").get(local.key) as T | undefined;
  },
  getOrThrow<T>(local: Local<T>): T {
    const map = store("getOrThrow");
    if (!map.has(local.key)) throw new Error(`locals: "${local.name}" has not been set in this attempt (set it in middleware with locals.set)`);
    return map.get(local.key) as T;
  },
  set<T>(local: Local<T>, value: T): T {
    store("set").set(local.key, value);
    return value;
  },
};
