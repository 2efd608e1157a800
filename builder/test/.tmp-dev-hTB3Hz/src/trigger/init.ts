import { tasks } from "@gantry/sdk";

// Imported before every other task file: records that it ran first.
(globalThis as { __initRanFirst?: boolean }).__initRanFirst = true;
tasks.onStart(() => {});
