/** `require`, `__filename`, `__dirname` for CommonJS code bundled into an ES module. */
export const CJS_SHIM = [
  'import { createRequire as __gantryCreateRequire } from "node:module";',
  'import { fileURLToPath as __gantryFileURLToPath } from "node:url";',
  'import { dirname as __gantryDirname } from "node:path";',
  "const require = __gantryCreateRequire(import.meta.url);",
  "const __gantry_filename = __gantryFileURLToPath(import.meta.url);",
  "const __gantry_dirname = __gantryDirname(__gantry_filename);",
].join("\n");

/** Free `__filename`/`__dirname` (CommonJS code) point at the bundle; code that declares its own keeps it. */
export const CJS_DEFINES = { __filename: "__gantry_filename", __dirname: "__gantry_dirname" };
