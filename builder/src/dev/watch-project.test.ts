import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { watchProject } from "./watch-project.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

describe("watchProject", () => {
  it("fires on a source change (debounced) and ignores node_modules and build output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-watch-"));
    mkdirSync(join(dir, "node_modules/pkg"), { recursive: true });
    mkdirSync(join(dir, ".gantry/builds"), { recursive: true });
    mkdirSync(join(dir, "src/trigger"), { recursive: true });
    let calls = 0;
    let notify: () => void = () => {};
    const stop = watchProject(dir, () => {
      calls++;
      notify();
    }, 20);
    cleanups.push(stop, () => rmSync(dir, { recursive: true, force: true }));

    writeFileSync(join(dir, "node_modules/pkg/index.js"), "x");
    writeFileSync(join(dir, ".gantry/builds/index.mjs"), "x");
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(0);

    const changed = new Promise<void>((resolve) => (notify = resolve));
    writeFileSync(join(dir, "src/trigger/a.ts"), "export {}");
    writeFileSync(join(dir, "src/trigger/b.ts"), "export {}");
    await changed;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1);
  });
});
