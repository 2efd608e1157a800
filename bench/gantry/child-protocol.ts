import type { DemoSeed } from "../../api/src/seed/seed-demo.js";

/** Messages a bench child process (api or runner) sends its parent over IPC. */
export type ChildMessage =
  | { type: "ready"; url?: string; seed?: DemoSeed; runnerId?: string }
  | { type: "error"; message: string };

/** What the parent sends: stop cleanly and exit. */
export type ParentMessage = { type: "shutdown" };

export function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Exits cleanly when the parent asks, or when it goes away (a bench killed midway leaves no orphans). */
export function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = async (code: number) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(code), 10_000);
    timer.unref();
    await close().catch((error: unknown) => console.error(error));
    process.exit(code);
  };
  process.on("message", (m: ParentMessage) => {
    if (m.type === "shutdown") void stop(0);
  });
  process.on("disconnect", () => void stop(0));
}
