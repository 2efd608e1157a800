export { RunnerApiClient, RunnerApiError, type RunnerApiClientOptions, type Completion, type CompleteAttemptAck } from "./runner-api-client.js";
export { ArtifactCache, ArtifactError, type CachedArtifact } from "../artifacts/artifact-cache.js";
export { Batcher } from "./batcher.js";
