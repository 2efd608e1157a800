export * from "./common.js";
export * from "./api.js";
export * from "./manifest.js";
export * from "./execution.js";
export * from "./runner.js";
export * from "./ipc.js";
export * from "./github.js";
