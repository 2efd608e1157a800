import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnvFile } from "./env-file.js";
import { profilesPath, resolveCredentials, writeProfiles } from "./profiles.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function home(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-profiles-"));
  dirs.push(dir);
  return { XDG_CONFIG_HOME: dir };
}

describe("resolveCredentials", () => {
  it("uses the current profile, or the one named, and --api-url overrides its URL", () => {
    const env = home();
    writeProfiles(profilesPath(env), {
      version: 1,
      currentProfile: "work",
      profiles: { work: { apiUrl: "http://work.example", accessToken: "tr_pat_work" }, home: { apiUrl: "http://home.example", accessToken: "tr_pat_home" } },
    });
    expect(resolveCredentials({ env })).toMatchObject({ apiUrl: "http://work.example", accessToken: "tr_pat_work", source: "profile:work" });
    expect(resolveCredentials({ env, profile: "home" })).toMatchObject({ apiUrl: "http://home.example", accessToken: "tr_pat_home" });
    expect(resolveCredentials({ env, apiUrlFlag: "http://other.example/" }).apiUrl).toBe("http://other.example");
    expect(() => resolveCredentials({ env, profile: "nope" })).toThrow(/gantry login --profile nope/);
  });

  it("GANTRY_ACCESS_TOKEN and GANTRY_API_URL win over the profile (CI); a token without a URL names the fix", () => {
    const env = home();
    expect(resolveCredentials({ env: { ...env, GANTRY_ACCESS_TOKEN: "tr_pat_ci", GANTRY_API_URL: "http://ci.example" } })).toMatchObject({
      apiUrl: "http://ci.example",
      accessToken: "tr_pat_ci",
      source: "env",
    });
    expect(() => resolveCredentials({ env: { ...env, GANTRY_ACCESS_TOKEN: "tr_pat_ci" } })).toThrow(/GANTRY_API_URL/);
  });

  it("a corrupt profiles file names the file and the fix", () => {
    const env = home();
    mkdirSync(join(env.XDG_CONFIG_HOME!, "gantry"), { recursive: true });
    writeFileSync(profilesPath(env), "{ not json");
    expect(() => resolveCredentials({ env })).toThrow(/config\.json is not valid JSON.*gantry login/);
  });
});

describe("parseEnvFile", () => {
  it("reads KEY=value lines with export, quotes and comments", () => {
    expect(parseEnvFile(`# comment\nexport A=1\nB="two words"\nC='x#y'\nD=plain # trailing\n\nbad line\nE=\n`)).toEqual({ A: "1", B: "two words", C: "x#y", D: "plain", E: "" });
  });
});
