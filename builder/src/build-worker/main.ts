import { loadBuildWorkerConfig } from "./config.js";
import { startBuildWorker } from "./worker.js";

// The build worker alone: `tsx builder/src/build-worker/main.ts` (npm start runs it inside the launcher).
const worker = startBuildWorker(loadBuildWorkerConfig());
console.log("gantry build worker waiting for GitHub builds");
const stop = async () => {
  await worker.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
