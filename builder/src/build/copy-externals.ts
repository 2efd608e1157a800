import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { BuildError } from "../errors.js";

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The folder of `name` as Node would find it from `fromDir` (walking up node_modules folders), or undefined. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}

/** A package name from a spec like "wrangler@1.19.0" or "@scope/pkg@^2". */
export function parsePackageSpec(spec: string): { name: string; version?: string } {
  const at = spec.lastIndexOf("@");
  if (at > 0) return { name: spec.slice(0, at), version: spec.slice(at + 1) };
  return { name: spec };
}

/**
 * Copies each external package, and the packages it depends on, from the project's node_modules into
 * `<outDir>/node_modules` (flat; a second version of a dependency is nested under its dependent), so the
 * bundle's `import "<external>"` resolves inside the artifact. Returns name → version of what was copied.
 */
export function copyExternals(names: Iterable<string>, rootDir: string, outDir: string): Record<string, string> {
  const placed = new Map<string, { version: string; source: string }>();
  const copied: Record<string, string> = {};

  const place = (name: string, fromDir: string, targetModules: string, requiredBy?: string) => {
    const source = findPackageDir(name, fromDir);
    if (!source) {
      if (requiredBy) return; // an optional or platform-specific dependency that is not installed
      throw new BuildError(
        `build.external lists "${name}", but it is not installed in ${rootDir}: run \`npm install ${name}\` there (externals are copied from the project's node_modules)`,
        undefined,
        { code: "external_not_installed" },
      );
    }
    const pkg = readPackageJson(source);
    const version = pkg.version ?? "0.0.0";
    const existing = placed.get(name);
    let dest: string;
    if (!existing) {
      dest = join(outDir, "node_modules", name);
      placed.set(name, { version, source });
    } else if (existing.source === source || existing.version === version) {
      return;
    } else {
      dest = join(targetModules, name);
      if (existsSync(dest)) return;
    }
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(source, dest, {
      recursive: true,
      dereference: true,
      filter: (src) => !src.slice(source.length).split("/").includes("node_modules"),
    });
    if (!requiredBy) copied[name] = version;
    const deps = { ...pkg.optionalDependencies, ...pkg.dependencies };
    for (const dep of Object.keys(deps)) {
      const optional = !pkg.dependencies?.[dep];
      const before = placed.size;
      place(dep, source, join(dest, "node_modules"), name);
      if (!optional && placed.size === before && !findPackageDir(dep, source)) {
        throw new BuildError(`"${name}" depends on "${dep}", which is not installed: run \`npm install\` in ${rootDir}`, undefined, {
          code: "external_not_installed",
        });
      }
    }
  };

  for (const name of names) place(name, rootDir, join(outDir, "node_modules"));
  return copied;
}
