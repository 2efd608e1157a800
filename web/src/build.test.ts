import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildDashboard } from "./build.js";

const out = mkdtempSync(join(tmpdir(), "gantry-web-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("dashboard build", () => {
  it("bundles the Preact app into static files the api serves", async () => {
    await buildDashboard(out);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain('src="/app.js"');
    const js = readFileSync(join(out, "app.js"), "utf8");
    // the pages are in the bundle, talking to the REST API
    expect(js).toContain("/api/v3/runs/");
    expect(js).toContain("/api/v1/runs?");
    expect(js).not.toMatch(/from\s*"preact"/);
  });
});
