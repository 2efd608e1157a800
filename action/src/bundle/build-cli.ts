import { join } from "node:path";
import { ACTION_DIR, buildDist } from "./build-dist.js";

// `npm run build -w action`: rebuilds the committed dist/ from src/.
const outDir = join(ACTION_DIR, "dist");
await buildDist(outDir);
console.log(`Built ${outDir}/index.js`);
