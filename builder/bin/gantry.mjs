#!/usr/bin/env node
// The `gantry` bin. In the packed @gantry/cli tarball it runs the bundled dist/gantry.mjs; inside the Gantry
// repository (no dist) it runs the TypeScript source through tsx's ESM API.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = fileURLToPath(new URL("../dist/gantry.mjs", import.meta.url));
if (existsSync(dist)) {
  await import(pathToFileURL(dist).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
