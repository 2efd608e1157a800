import { describe, expect, it } from "vitest";
import { loadRunnerConfig, RunnerConfigError } from "./config.js";

describe("loadRunnerConfig", () => {
  it("fails fast naming GANTRY_RUNNER_TOKEN and where to get one", () => {
    expect(() => loadRunnerConfig({})).toThrow(RunnerConfigError);
    expect(() => loadRunnerConfig({})).toThrow(/GANTRY_RUNNER_TOKEN is required.*npm start.*runner-token create/);
  });

  it("applies the documented defaults and hash-tags the queue prefix", () => {
    const config = loadRunnerConfig({ GANTRY_RUNNER_TOKEN: "gr_runner_x", PATH: "/bin", DATABASE_URL: "postgres://secret" });
    expect(config.apiUrl).toBe("http://localhost:3030");
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.queuePrefix).toBe("{gantry}");
    expect(config.concurrency).toBe(200);
    expect(config.executor).toBe("process");
    expect(config.heartbeatIntervalMs).toBe(5000);
    expect(config.childBaseEnv).toEqual({ PATH: "/bin" });
  });

  it("names an invalid variable and its fix", () => {
    expect(() => loadRunnerConfig({ GANTRY_RUNNER_TOKEN: "t", GANTRY_EXECUTOR: "kubernetes" })).toThrow(
      /GANTRY_EXECUTOR is invalid.*`process` or `docker`/,
    );
  });

  it("resolves GANTRY_RUNNER_USER to its uid and gid, and rejects an unknown user", () => {
    const runAs = loadRunnerConfig({ GANTRY_RUNNER_TOKEN: "t", GANTRY_RUNNER_USER: "nobody" }).runAs;
    expect(runAs?.uid).toBeGreaterThan(0);
    expect(runAs?.gid).toBeGreaterThan(0);
    expect(loadRunnerConfig({ GANTRY_RUNNER_TOKEN: "t", GANTRY_RUNNER_UID: "1234" }).runAs).toEqual({ uid: 1234, gid: 1234 });
    expect(() => loadRunnerConfig({ GANTRY_RUNNER_TOKEN: "t", GANTRY_RUNNER_USER: "no-such-user-gantry" })).toThrow(/not a user on this host/);
  });
});
