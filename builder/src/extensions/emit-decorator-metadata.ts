import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Plugin } from "esbuild";
import { glob } from "tinyglobby";
import { BuildError } from "../errors.js";
import { findPackageDir, readPackageJson } from "../build/copy-externals.js";
import { builderContext, type BuildExtension } from "./types.js";

const execFileAsync = promisify(execFile);
const DECORATOR = /^\s*@[A-Za-z_$][\w$.]*\s*(\(|$)/m;

/**
 * Compiles the project's files that use decorators with the TypeScript compiler (esbuild cannot emit
 * `design:type` metadata), for libraries like TypeORM. Needs `typescript` (5.6 or newer) in the project or
 * next to the CLI, and `experimentalDecorators` semantics.
 *
 * @example
 * build: { extensions: [emitDecoratorMetadata()] }
 */
export function emitDecoratorMetadata(): BuildExtension {
  return {
    name: "emitDecoratorMetadata",
    onBuildStart(sdkContext) {
      const context = builderContext(sdkContext);
      context.registerPlugin(decoratorPlugin(context.workingDir), { placement: "first" });
    },
  };
}

function decoratorPlugin(rootDir: string): Plugin {
  return {
    name: "gantry-emit-decorator-metadata",
    setup(build) {
      const compiled = new Map<string, string>();
      build.onStart(async () => {
        compiled.clear();
        const candidates = await glob("**/*.{ts,tsx,mts}", { cwd: rootDir, ignore: ["**/node_modules/**", ".gantry/**", "**/*.d.ts"], absolute: true });
        const files = candidates.filter((file) => DECORATOR.test(readFileSync(file, "utf8")));
        if (files.length === 0) return;
        const outDir = mkdtempSync(join(tmpdir(), "gantry-decorators-"));
        try {
          await runTsc(rootDir, files, outDir);
          for (const file of files) {
            const out = join(outDir, relative(rootDir, file)).replace(/\.(m?)tsx?$/, ".$1js");
            if (!existsSync(out)) throw new BuildError(`emitDecoratorMetadata: TypeScript emitted nothing for ${relative(rootDir, file)}`);
            compiled.set(file, readFileSync(out, "utf8").replace(/\n\/\/# sourceMappingURL=.*$/, ""));
          }
        } finally {
          rmSync(outDir, { recursive: true, force: true });
        }
      });
      build.onLoad({ filter: /\.(m?)tsx?$/ }, (args) => {
        const contents = compiled.get(args.path);
        return contents === undefined ? undefined : { contents, loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
}

function findTsc(rootDir: string): string {
  const builderDir = dirname(fileURLToPath(import.meta.url));
  for (const from of [rootDir, builderDir]) {
    const dir = findPackageDir("typescript", from);
    if (!dir) continue;
    const bin = readPackageJson(dir) as { bin?: Record<string, string> | string };
    const tsc = typeof bin.bin === "string" ? bin.bin : bin.bin?.tsc;
    if (tsc) return join(dir, tsc);
  }
  throw new BuildError(`emitDecoratorMetadata needs the TypeScript compiler: run \`npm install -D typescript\` in ${rootDir}`, undefined, { code: "typescript_missing" });
}

async function runTsc(rootDir: string, files: string[], outDir: string): Promise<void> {
  const args = [
    findTsc(rootDir),
    "--experimentalDecorators",
    "--emitDecoratorMetadata",
    "--target", "es2022",
    "--module", "esnext",
    "--moduleResolution", "bundler",
    "--jsx", "react-jsx",
    "--noCheck",
    "--noResolve",
    "--isolatedModules",
    "--skipLibCheck",
    "--types", "",
    "--rootDir", rootDir,
    "--outDir", outDir,
    ...files,
  ];
  try {
    // cwd is the empty output folder so tsc picks up no tsconfig.json (TS 7 refuses files plus a tsconfig).
    await execFileAsync(process.execPath, args, { cwd: outDir, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    // tsc exits non-zero on diagnostics but still emits; only fail when nothing came out.
    const out = (error as { stdout?: string }).stdout ?? "";
    const emitted = files.every((file) => existsSync(join(outDir, relative(rootDir, file)).replace(/\.(m?)tsx?$/, ".$1js")));
    if (!emitted) throw new BuildError(`emitDecoratorMetadata: TypeScript failed:\n${out.slice(0, 4000)}`, undefined, { code: "typescript_failed" });
  }
}
