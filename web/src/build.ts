// Builds the dashboard (Preact, bundled with esbuild) into a folder the api serves as static files.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const APP_DIR = resolve(import.meta.dirname, "app");

export async function buildDashboard(outDir: string, options: { minify?: boolean } = {}): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(APP_DIR, "main.tsx")],
    outfile: join(outDir, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: options.minify ?? true,
    sourcemap: true,
    logLevel: "silent",
  });
  copyFileSync(join(APP_DIR, "index.html"), join(outDir, "index.html"));
  copyFileSync(join(APP_DIR, "styles.css"), join(outDir, "styles.css"));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const out = resolve(process.argv[2] ?? join(import.meta.dirname, "../dist"));
  await buildDashboard(out);
  console.log(`dashboard built into ${out}`);
}
