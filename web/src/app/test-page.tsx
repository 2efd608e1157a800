import { useState } from "preact/hooks";
import { api, ApiFailure } from "./api.js";

/** Trigger a task with a JSON payload, then watch the run. */
export function TestPage() {
  const [taskId, setTaskId] = useState("hello-world");
  const [payload, setPayload] = useState('{\n  "name": "Ada"\n}');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (e) {
      setError(`The payload is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    try {
      const run = await api<{ id: string }>(`/api/v1/tasks/${encodeURIComponent(taskId)}/trigger`, {
        method: "POST",
        body: { payload: parsed, options: { test: true } },
      });
      location.hash = `#/runs/${run.id}`;
    } catch (e) {
      setError(e instanceof ApiFailure && e.param ? `${e.message} (${e.param})` : e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section aria-labelledby="test-title">
      <h1 id="test-title">Test a task</h1>
      <form onSubmit={submit}>
        <label>
          Task id
          <input value={taskId} onInput={(e) => setTaskId(e.currentTarget.value)} required />
        </label>
        <label>
          Payload (JSON)
          <textarea value={payload} onInput={(e) => setPayload(e.currentTarget.value)} />
        </label>
        <p>
          <button type="submit">Trigger</button>
        </p>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </section>
  );
}
