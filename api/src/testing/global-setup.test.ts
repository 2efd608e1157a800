import { describe, expect, it } from "vitest";
import { abandonedTestDbs } from "./global-setup.js";

describe("abandonedTestDbs", () => {
  it("picks only old per-file test databases, never the template or anything else", () => {
    const now = Date.now();
    const old = `gantry_t_${(now - 3 * 3600_000).toString(36)}_0123abcd`;
    const fresh = `gantry_t_${(now - 60_000).toString(36)}_0123abcd`;
    const names = [old, fresh, "gantry_test_template", "gantry_test_0123456789ab", "gantry", "postgres", "gantry_t_x_y"];
    expect(abandonedTestDbs(names, now, 2 * 3600_000)).toEqual([old]);
  });
});
