import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { CJS_DEFINES, CJS_SHIM } from "../build/cjs-shim.js";
import { findPackageDir } from "../build/copy-externals.js";
import { hashFiles, listFiles } from "../build/artifact.js";

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as PackageJson;

/**
 * Builds the npm tarballs the api serves at /packages (the SDK is on no public registry): `@gantry/sdk`
 * (plain ESM JavaScript for ".", "./worker" and "./contracts", sharing one module graph so tasks registered
 * by the task files are the ones the worker runs) and `@gantry/cli` (the `gantry` bin as one bundled file,
 * plus "./extensions"). Writes gantry-sdk-<v>.tgz and gantry-cli-<v>.tgz into outDir; returns their paths.
 */
export async function packPackages(outDir: string): Promise<{ sdk: string; cli: string }> {
  const dest = resolve(outDir);
  mkdirSync(dest, { recursive: true });
  // Repacking takes seconds (npm pack, tsc); `npm start` reruns skip it while the sources are unchanged.
  const sourceHash = hashSources();
  const stampFile = join(dest, ".gantry-pack-stamp.json");
  const stamp = existsSync(stampFile) ? (JSON.parse(readFileSync(stampFile, "utf8")) as { hash?: string; sdk?: string; cli?: string }) : {};
  if (stamp.hash === sourceHash && stamp.sdk && stamp.cli && existsSync(stamp.sdk) && existsSync(stamp.cli)) {
    return { sdk: stamp.sdk, cli: stamp.cli };
  }
  const staging = mkdtempSync(join(tmpdir(), "gantry-pack-"));
  try {
    const sdk = await packSdk(join(staging, "sdk"), dest);
    const cli = await packCli(join(staging, "cli"), dest);
    writeFileSync(stampFile, JSON.stringify({ hash: sourceHash, sdk, cli }) + "\n");
    return { sdk, cli };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** sha256 over everything that ends up in the tarballs. */
function hashSources(): string {
  const hash = createHash("sha256");
  for (const dir of ["sdk/src", "builder/src", "builder/bin", "runner/src"]) {
    const abs = join(REPO, dir);
    if (existsSync(abs)) hash.update(hashFiles(abs, listFiles(abs).filter((f) => !f.endsWith(".test.ts"))));
  }
  for (const file of ["sdk/package.json", "builder/package.json", "runner/package.json", "sdk/README.md", "builder/README.md"]) {
    if (existsSync(join(REPO, file))) hash.update(readFileSync(join(REPO, file)));
  }
  return hash.digest("hex");
}

async function packSdk(dir: string, dest: string): Promise<string> {
  const source = readJson(join(REPO, "sdk/package.json"));
  await esbuild.build({
    absWorkingDir: REPO,
    entryPoints: {
      index: join(REPO, "sdk/src/index.ts"),
      worker: join(REPO, "sdk/src/worker/index.ts"),
      contracts: join(REPO, "sdk/src/contracts/index.ts"),
      react: join(REPO, "sdk/src/react/index.ts"),
    },
    outdir: join(dir, "dist"),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    keepNames: true,
    logLevel: "silent",
  });
  await emitSdkTypes(join(dir, "types"));
  const entry = (name: string) => ({ types: `./types/${name === "index" ? "index" : `${name}/index`}.d.ts`, default: `./dist/${name}.mjs` });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: "@gantry/sdk",
        version: source.version,
        description: "Gantry SDK: define background tasks and trigger them (served by your Gantry api)",
        type: "module",
        exports: { ".": entry("index"), "./worker": entry("worker"), "./contracts": entry("contracts"), "./react": entry("react"), "./package.json": "./package.json" },
        main: "./dist/index.mjs",
        types: "./types/index.d.ts",
        files: ["dist", "types", "README.md"],
        engines: { node: ">=20" },
        dependencies: { superjson: source.dependencies?.superjson ?? "^2.2.2", zod: source.dependencies?.zod ?? "^4.1.0" },
        // the React hooks (`@gantry/sdk/react`) use the app's own React
        peerDependencies: { react: ">=18" },
        peerDependenciesMeta: { react: { optional: true } },
      },
      null,
      2,
    ) + "\n",
  );
  copyReadme(join(REPO, "sdk/README.md"), dir);
  return npmPack(dir, dest);
}

/** Declarations for TypeScript users of the tarball (the TypeScript compiler of this repository). */
async function emitSdkTypes(outDir: string): Promise<void> {
  const tsDir = findPackageDir("typescript", REPO);
  if (!tsDir) throw new Error("packPackages needs the repository's typescript to emit the SDK's declarations: run `npm ci`");
  const pkg = JSON.parse(readFileSync(join(tsDir, "package.json"), "utf8")) as { version: string; bin?: { tsc?: string } };
  const tsc = join(tsDir, pkg.bin?.tsc ?? "bin/tsc");
  // TypeScript 7 refuses file arguments next to a tsconfig.json unless told to ignore it (5.x lacks the flag).
  const ts7 = Number(pkg.version.split(".")[0]) >= 7;
  const args = [tsc, "--declaration", "--emitDeclarationOnly", "--outDir", outDir, "--rootDir", join(REPO, "sdk/src")];
  if (ts7) args.push("--ignoreConfig");
  args.push("--module", "esnext", "--moduleResolution", "bundler", "--target", "es2022", "--strict", "--skipLibCheck", "--types", "node", "--lib", "ES2023,DOM");
  args.push(...["index.ts", "worker/index.ts", "contracts/index.ts", "react/index.ts"].map((f) => join(REPO, "sdk/src", f)));
  try {
    await execFileAsync(process.execPath, args, { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const out = (error as { stdout?: string }).stdout ?? "";
    // tsc reports type errors but still emits; `npm test`'s type-check is where those fail. Only no output is fatal.
    if (!existsSync(join(outDir, "index.d.ts"))) {
      throw new Error(`Emitting @gantry/sdk's declarations failed:\n${out.slice(0, 4000)}`, { cause: error });
    }
    process.emitWarning(`@gantry/sdk's declarations were emitted with type errors:\n${out.slice(0, 2000)}`);
  }
}

async function packCli(dir: string, dest: string): Promise<string> {
  const source = readJson(join(REPO, "builder/package.json"));
  const common: esbuild.BuildOptions = {
    absWorkingDir: REPO,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["esbuild", "typescript", "tsx", "tsx/*"],
    banner: { js: CJS_SHIM },
    define: CJS_DEFINES,
    keepNames: true,
    logLevel: "silent",
  };
  await esbuild.build({ ...common, entryPoints: [join(REPO, "builder/src/cli/main.ts")], outfile: join(dir, "dist/gantry.mjs") });
  await esbuild.build({ ...common, entryPoints: [join(REPO, "builder/src/extensions/index.ts")], outfile: join(dir, "dist/extensions.mjs") });
  mkdirSync(join(dir, "bin"), { recursive: true });
  cpSync(join(REPO, "builder/bin/gantry.mjs"), join(dir, "bin/gantry.mjs"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: "@gantry/cli",
        version: source.version,
        description: "The gantry CLI: deploy, dev, login (served by your Gantry api)",
        type: "module",
        bin: { gantry: "./bin/gantry.mjs" },
        exports: { "./extensions": "./dist/extensions.mjs", "./package.json": "./package.json" },
        files: ["bin", "dist", "README.md"],
        engines: { node: ">=20" },
        dependencies: { esbuild: source.dependencies?.esbuild ?? "^0.28.2" },
      },
      null,
      2,
    ) + "\n",
  );
  copyReadme(join(REPO, "builder/README.md"), dir);
  return npmPack(dir, dest);
}

function copyReadme(from: string, dir: string): void {
  if (existsSync(from)) cpSync(from, join(dir, "README.md"));
}

async function npmPack(dir: string, dest: string): Promise<string> {
  const { stdout } = await execFileAsync("npm", ["pack", "--json", "--pack-destination", dest], {
    cwd: dir,
    env: { ...process.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" },
  });
  const [info] = JSON.parse(stdout) as { filename: string }[];
  if (!info) throw new Error(`npm pack in ${dir} printed no result: ${stdout}`);
  return join(dest, info.filename.replace(/^@/, "").replace("/", "-"));
}
