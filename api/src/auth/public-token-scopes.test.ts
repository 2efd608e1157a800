import { describe, expect, it } from "vitest";
import { publicTokenAllows } from "./public-token-scopes.js";

describe("publicTokenAllows", () => {
  it("lets a trigger handle's token read its own run only", () => {
    const scopes = ["read:runs:run_1"];
    expect(publicTokenAllows(scopes, "GET", "/api/v3/runs/run_1")).toBe(true);
    expect(publicTokenAllows(scopes, "GET", "/api/v3/runs/run_2")).toBe(false);
    expect(publicTokenAllows(scopes, "GET", "/api/v1/runs")).toBe(false);
    expect(publicTokenAllows(scopes, "POST", "/api/v2/runs/run_1/cancel")).toBe(false);
    expect(publicTokenAllows(scopes, "POST", "/api/v1/tasks/t/trigger")).toBe(false);
  });

  it("trigger tokens trigger the named task; read:runs lists; admin does anything", () => {
    expect(publicTokenAllows(["trigger:tasks:email"], "POST", "/api/v1/tasks/email/trigger")).toBe(true);
    expect(publicTokenAllows(["trigger:tasks:email"], "POST", "/api/v1/tasks/other/trigger")).toBe(false);
    expect(publicTokenAllows(["read:runs"], "GET", "/api/v1/runs")).toBe(true);
    expect(publicTokenAllows(["admin"], "POST", "/api/v2/runs/run_1/cancel")).toBe(true);
    expect(publicTokenAllows([], "GET", "/api/v3/runs/run_1")).toBe(false);
  });
});
