import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { check } from "./check-deps.js";

let root: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("dependency-edge check", () => {
  it("accepts the edges DESIGN.md allows", () => {
    root = mkdtempSync(join(tmpdir(), "deps-"));
    write("runner/src/a.ts", `import { x } from "@gantry/sdk/contracts";\nimport "./b.js";`);
    write("runner/src/b.ts", `export const b = 1;`);
    write("builder/src/c.ts", `import { ProcessExecutor } from "@gantry/runner/executor";`);
    expect(check(root)).toEqual([]);
  });

  it("rejects a package importing a leaf, a path into another package, postgres outside api, and cycles", () => {
    root = mkdtempSync(join(tmpdir(), "deps-"));
    write("api/src/x.ts", `export const x = 1;`);
    write("runner/src/a.ts", `import { app } from "@gantry/api";\nimport sql from "postgres";\nimport { x } from "../../api/src/x.js";`);
    write("sdk/src/p.ts", `import { q } from "./q.js";\nexport const p = 1;`);
    write("sdk/src/q.ts", `import { p } from "./p.js";\nexport const q = 2;`);
    const problems = check(root).join("\n");
    expect(problems).toMatch(/runner may not import @gantry\/api/);
    expect(problems).toMatch(/only api talks to Postgres/);
    expect(problems).toMatch(/reaches into api\/ by path/);
    expect(problems).toMatch(/import cycle: sdk\/src\/p.ts -> sdk\/src\/q.ts -> sdk\/src\/p.ts/);
  });

  it("lets tests start the platform through the api's harness, but not shipped code; ignores type-only cycles", () => {
    root = mkdtempSync(join(tmpdir(), "deps-"));
    write("api/src/testing/harness.ts", `export const startTestApi = 1;`);
    write("builder/src/deploy.test.ts", `import { startTestApi } from "../../api/src/testing/harness.js";`);
    write("builder/src/deploy.ts", `import { startTestApi } from "../../api/src/testing/harness.js";`);
    write("builder/src/a.ts", `import type { B } from "./b.js";\nexport type A = { b?: B };`);
    write("builder/src/b.ts", `import type { A } from "./a.js";\nexport type B = { a?: A };`);
    expect(check(root)).toEqual([`builder/src/deploy.ts: reaches into api/ by path ("../../api/src/testing/harness.js"); import the package by name`]);
  });
});
