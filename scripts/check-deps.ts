// The dependency edges of DESIGN.md, checked on every `npm test`:
// - each package imports only the packages it may (every package may import @gantry/sdk/contracts);
// - no package imports a leaf (api, github-app, action, web), and none reaches into another package's folder by path;
// - nothing but api imports the Postgres driver;
// - no import cycles between files (type-only imports are erased at run time and do not count).
// Tests may start the platform through the api's test harness (api/src/testing/), as end-to-end tests do;
// shipped code may not.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/** package folder → the packages (folders) it may import */
export const ALLOWED: Record<string, string[]> = {
  sdk: [],
  runner: ["sdk"],
  builder: ["sdk", "runner"],
  api: ["sdk"],
  "github-app": ["sdk"],
  action: ["builder", "sdk"],
  web: ["sdk"],
  examples: ["sdk"],
};
const PACKAGE_BY_NAME: Record<string, string> = {
  "@gantry/sdk": "sdk",
  "@gantry/runner": "runner",
  "@gantry/builder": "builder",
  "@gantry/api": "api",
  "@gantry/github-app": "github-app",
  "@gantry/action": "action",
  "@gantry/web": "web",
};
const POSTGRES_DRIVERS = new Set(["postgres", "pg", "pg-boss", "graphile-worker"]);

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith(".d.ts")) yield path;
  }
}

function importsOf(file: string): Array<{ spec: string; typeOnly: boolean }> {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...text.matchAll(IMPORT_RE)]
    .map((m) => ({ spec: (m[2] ?? m[3])!, typeOnly: Boolean(m[1]) }))
    .filter((i) => Boolean(i.spec));
}

const isTestFile = (file: string) => /\.test\.tsx?$/.test(file);

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), `${base}.ts`, `${base}.tsx`, join(base, "index.ts")];
  return candidates.find((c) => {
    try {
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

export function check(root = ROOT): string[] {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const pkg of Object.keys(ALLOWED)) {
    const src = join(root, pkg, "src");
    try {
      statSync(src);
    } catch {
      continue;
    }
    for (const file of sourceFiles(src)) {
      const edges: string[] = [];
      for (const { spec, typeOnly } of importsOf(file)) {
        const rel = relative(root, file);
        if (spec.startsWith(".")) {
          const target = resolveRelative(file, spec);
          const targetRel = target ? relative(root, target) : "";
          const targetPkg = target ? targetRel.split(sep)[0] : undefined;
          const harness = isTestFile(file) && targetRel.startsWith(join("api", "src", "testing") + sep);
          if (target && targetPkg !== pkg && !harness) problems.push(`${rel}: reaches into ${targetPkg}/ by path ("${spec}"); import the package by name`);
          if (target && !typeOnly) edges.push(target);
          continue;
        }
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        const target = PACKAGE_BY_NAME[name];
        if (target && target !== pkg) {
          const contractsOnly = spec === "@gantry/sdk/contracts";
          if (!ALLOWED[pkg]!.includes(target) && !contractsOnly) problems.push(`${rel}: ${pkg} may not import ${spec} (DESIGN.md dependency edges)`);
        }
        if (POSTGRES_DRIVERS.has(name) && pkg !== "api") problems.push(`${rel}: only api talks to Postgres, but this imports "${name}"`);
      }
      graph.set(file, edges);
    }
  }
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.map((f) => relative(root, f)).join(" -> ")}`);
  return problems;
}

function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "visiting") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const problems = check();
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    console.error(`\n${problems.length} dependency problem(s). See DESIGN.md "Top-level folders".`);
    process.exit(1);
  }
  console.log("Dependency edges hold; no import cycles.");
}
