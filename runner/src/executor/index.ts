export { ProcessExecutor, heapLimitMb, type ProcessExecutorOptions } from "./process-executor.js";
export { DockerExecutor, type DockerExecutorOptions } from "./docker-executor.js";
export type { Executor, ExecuteRequest, KeepAlive, PrewarmRequest } from "./types.js";
export { canceledResult, crashedResult, systemFailureResult, timedOutResult } from "./results.js";
