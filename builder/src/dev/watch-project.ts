import { watch } from "node:fs";

const IGNORED = /(^|\/)(node_modules|\.gantry|\.git|dist)(\/|$)/;

/**
 * Calls `onChange` (debounced) when a file of the project changes, ignoring node_modules, build output and
 * git internals. Returns a function that stops watching.
 */
export function watchProject(rootDir: string, onChange: () => void, debounceMs = 250): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(rootDir, { recursive: true }, (_event, filename) => {
    const name = filename?.toString() ?? "";
    if (!name || IGNORED.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on("error", () => {});
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
