/**
 * `@gantry/sdk/react`: hooks for React (and Preact through preact/compat) apps, as the reference documents
 * them (`@trigger.dev/react-hooks`). Pass a public access token and your api's `baseURL`.
 */
export { useRealtimeRun, useRealtimeRunsWithTag, useRealtimeBatch } from "./use-realtime-run.js";
export type { RealtimeHookOptions, UseRealtimeRunOptions } from "./use-realtime-run.js";
export { useRealtimeStream } from "./use-realtime-stream.js";
export { useRealtimeRunWithStreams } from "./use-realtime-run-with-streams.js";
export type { RealtimeStreams, UseRealtimeRunWithStreamsOptions } from "./use-realtime-run-with-streams.js";
export type { UseRealtimeStreamOptions } from "./use-realtime-stream.js";
export { useTaskTrigger, useRealtimeTaskTrigger } from "./use-task-trigger.js";
export type { TaskTriggerHookOptions, TaskTriggerState } from "./use-task-trigger.js";
export { useWaitToken } from "./use-wait-token.js";
export type { BrowserTriggerOptions } from "./browser-trigger.js";
export type { RealtimeRun } from "../realtime/run.js";
