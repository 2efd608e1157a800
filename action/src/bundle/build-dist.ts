import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** action/ */
export const ACTION_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const REPO_DIR = resolve(ACTION_DIR, "..");

/**
 * esbuild's JavaScript API drives a native binary found by a path relative to its own files, so it cannot be
 * bundled, and the Actions runner installs nothing. dist/ therefore ships esbuild-wasm's package beside the
 * bundle (the same esbuild, compiled to WebAssembly, run by the runner's node); the bundle's `esbuild` is
 * src/esbuild/runtime.ts, which loads it (or the project's own native esbuild).
 */
const ESBUILD_WASM_DIR = "esbuild-wasm";
const ESBUILD_WASM_FILES = ["package.json", "LICENSE.md", "lib/main.js", "bin/esbuild", "esbuild.wasm", "wasm_exec.js", "wasm_exec_node.js"];

/** Builds the action into `outDir` (dist/index.js + esbuild-wasm/), replacing what was there. */
export async function buildDist(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(ACTION_DIR, "src/main.ts")],
    outfile: join(outDir, "index.js"),
    // Paths in the bundle's comments are relative to the repository, so a rebuild anywhere is byte-identical.
    absWorkingDir: REPO_DIR,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    legalComments: "eof",
    logLevel: "silent",
    banner: { js: 'import { createRequire as __actionCreateRequire } from "node:module";\nconst require = __actionCreateRequire(import.meta.url);' },
    plugins: [esbuildRuntime()],
  });
  // The bundle is ESM; this marker keeps it so when dist/ is copied without the action's package.json.
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`);
  copyEsbuildWasm(join(outDir, ESBUILD_WASM_DIR));
}

function esbuildRuntime(): esbuild.Plugin {
  return {
    name: "esbuild-runtime",
    setup(build) {
      build.onResolve({ filter: /^esbuild$/ }, () => ({ path: join(ACTION_DIR, "src/esbuild/runtime.ts") }));
    },
  };
}

function copyEsbuildWasm(target: string): void {
  const require = createRequire(join(ACTION_DIR, "package.json"));
  const source = dirname(require.resolve("esbuild-wasm/package.json"));
  for (const file of ESBUILD_WASM_FILES) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(source, file), join(target, file));
  }
}

/** Every file under `dir`, relative, sorted: what the dist check compares. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const abs = join(current, entry);
      if (statSync(abs).isDirectory()) walk(abs);
      else out.push(relative(dir, abs).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}
