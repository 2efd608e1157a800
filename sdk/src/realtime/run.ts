import { FAILED_RUN_STATUSES, RealtimeRunWire, type PacketType, type RunStatus } from "../contracts/index.js";
import { parsePacket } from "../client/packets.js";
import type { AnyTask, TaskIdentifier, TaskOutput, TaskPayload } from "../tasks/task.js";

type WireFields = Omit<RealtimeRunWire, "payload" | "payloadType" | "output" | "outputType" | "seq" | "taskIdentifier">;

/**
 * A run as realtime subscriptions and hooks yield it (the reference's realtime run object), typed by the task:
 * `RealtimeRun<typeof myTask>` types `payload` and `output`; a union of tasks gives a union narrowed by
 * `taskIdentifier`.
 */
export type RealtimeRun<TTask extends AnyTask = AnyTask> = TTask extends AnyTask
  ? WireFields & {
      taskIdentifier: TaskIdentifier<TTask>;
      payload: TaskPayload<TTask>;
      output?: TaskOutput<TTask>;
      isQueued: boolean;
      isExecuting: boolean;
      isWaiting: boolean;
      isCompleted: boolean;
      isSuccess: boolean;
      isFailed: boolean;
      isCancelled: boolean;
    }
  : never;

const QUEUED: readonly RunStatus[] = ["PENDING_VERSION", "DELAYED", "QUEUED", "DEQUEUED"];

/** Whether a run reached a final status (a subscription with stopOnCompletion ends there). */
export function isFinal(status: RunStatus): boolean {
  return status === "COMPLETED" || status === "CANCELED" || FAILED_RUN_STATUSES.includes(status);
}

/** Parses one `run` event's data into a RealtimeRun (payload and output decoded by their packet type). */
export function decodeRealtimeRun<TTask extends AnyTask = AnyTask>(data: string): { run: RealtimeRun<TTask>; seq: bigint } {
  const wire = RealtimeRunWire.parse(JSON.parse(data));
  const { payload, payloadType, output, outputType, seq, ...rest } = wire;
  const decode = (value: string | undefined, type: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return parsePacket({ data: value, dataType: (type ?? "application/json") as PacketType });
    } catch {
      return value; // an offloaded packet: its storage path
    }
  };
  const run = {
    ...rest,
    payload: decode(payload, payloadType),
    ...(output !== undefined ? { output: decode(output, outputType) } : {}),
    isQueued: QUEUED.includes(wire.status),
    isExecuting: wire.status === "EXECUTING",
    isWaiting: wire.status === "WAITING",
    isCompleted: isFinal(wire.status),
    isSuccess: wire.status === "COMPLETED",
    isFailed: FAILED_RUN_STATUSES.includes(wire.status),
    isCancelled: wire.status === "CANCELED",
  };
  return { run: run as unknown as RealtimeRun<TTask>, seq: BigInt(seq) };
}
