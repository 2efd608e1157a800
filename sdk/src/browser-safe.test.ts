import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The client and contracts run in browsers and edge runtimes; only @gantry/sdk/worker may use node: modules.
describe("browser safety", () => {
  for (const entry of ["index.ts", "contracts/index.ts"]) {
    it(`bundles ${entry} for the browser without Node built-ins`, async () => {
      const result = await build({
        entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
        bundle: true,
        platform: "browser",
        format: "esm",
        write: false,
        logLevel: "silent",
        metafile: true,
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((i) => i.includes("worker/"))).toBe(false);
      expect(result.outputFiles[0]!.text).not.toMatch(/from\s*"node:|require\("node:/);
    });
  }

  it("fails for the worker entry, proving the check can fail", async () => {
    await expect(
      build({ entryPoints: [fileURLToPath(new URL("worker/index.ts", import.meta.url))], bundle: true, platform: "browser", write: false, logLevel: "silent" }),
    ).rejects.toThrow(/node:/);
  });
});
