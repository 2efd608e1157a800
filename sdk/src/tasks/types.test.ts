import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { runs, schemaTask, task, tasks, type RunHandle, type TaskOutput, type TaskPayload } from "../index.js";

// Type-level behaviour users rely on; `tsc --noEmit` (part of npm test) fails if these break.
const hello = task({ id: "types-hello", run: async (payload: { name: string }) => ({ greeting: payload.name }) });
const typed = schemaTask({
  id: "types-typed",
  schema: z.object({ n: z.coerce.number(), label: z.string().default("x") }),
  run: async (payload) => {
    expectTypeOf(payload).toEqualTypeOf<{ n: number; label: string }>();
    return payload.n;
  },
});

describe("task types", () => {
  it("types tasks.trigger by the task", () => {
    expectTypeOf<TaskPayload<typeof hello>>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<TaskOutput<typeof hello>>().toEqualTypeOf<{ greeting: string }>();
    type TriggerArgs = Parameters<typeof tasks.trigger<typeof hello>>;
    expectTypeOf<TriggerArgs[0]>().toEqualTypeOf<"types-hello">();
    expectTypeOf<TriggerArgs[1]>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<ReturnType<typeof tasks.trigger<typeof hello>>>().toEqualTypeOf<Promise<RunHandle<"types-hello", { name: string }, { greeting: string }>>>();
  });

  it("takes the schema's input type for trigger and its output type in run", () => {
    type Input = Parameters<typeof typed.trigger>[0];
    expectTypeOf<Input>().toEqualTypeOf<{ n: unknown; label?: string | undefined }>();
    expectTypeOf<TaskOutput<typeof typed>>().toEqualTypeOf<number>();
  });

  it("types runs.retrieve(handle) output from the handle", () => {
    type Retrieved = Awaited<ReturnType<typeof runs.retrieve<RunHandle<"types-hello", { name: string }, { greeting: string }>>>>;
    expectTypeOf<Retrieved["output"]>().toEqualTypeOf<{ greeting: string } | undefined>();
  });
});
