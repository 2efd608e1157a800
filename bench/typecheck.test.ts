import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "./lib/args.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

describe("bench", () => {
  it("type-checks (bench/run.ts and everything it imports)", async () => {
    const tsc = fileURLToPath(new URL("../node_modules/.bin/tsc", import.meta.url));
    const run = await promisify(execFile)(tsc, ["-p", "tsconfig.json", "--noEmit"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    // Other packages' errors are theirs to fix; this check is about the bench's own files.
    const benchErrors = run.split("\n").filter((line) => line.startsWith("bench/"));
    expect(benchErrors).toEqual([]);
  });

  it("keeps --quick small and rejects an unknown part", () => {
    const quick = parseBenchArgs(["--quick"], {});
    if (quick === "help") throw new Error("unexpected help");
    expect(quick.quick).toBe(true);
    expect(quick.closedMs + quick.openMs * quick.openRates.length).toBeLessThan(15_000);
    expect(() => parseBenchArgs(["--only", "kafka"], {})).toThrow(/unknown part "kafka"/);
  });
});
