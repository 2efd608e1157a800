import { useEffect, useState } from "preact/hooks";
import { api, session } from "./api.js";
import { usePoll } from "./use-poll.js";
import { ScrollRegion } from "./scroll-region.js";

interface StreamInfo {
  key: string;
  chunks: number;
}

/** A chunk as text: strings as they are (token streams read as prose), anything else as one line of JSON. */
function chunkText(data: string): { text: string; isString: boolean } {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "string" ? { text: value, isString: true } : { text: JSON.stringify(value), isString: false };
  } catch {
    return { text: data, isString: true };
  }
}

/** Follows one stream over SSE (the session cookie authenticates; the environment goes in the query). */
function StreamView({ runId, streamKey }: { runId: string; streamKey: string }) {
  const [chunks, setChunks] = useState<Array<{ text: string; isString: boolean }>>([]);
  const [state, setState] = useState<"connecting" | "live" | "ended" | "error">("connecting");
  useEffect(() => {
    if (typeof EventSource === "undefined" || !session.environmentId) return;
    setChunks([]);
    const url = `/realtime/v1/streams/${runId}/${encodeURIComponent(streamKey)}?gantryEnvironment=${encodeURIComponent(session.environmentId)}`;
    const source = new EventSource(url);
    source.addEventListener("open", () => setState("live"));
    source.addEventListener("chunk", (e) => {
      const text = chunkText((e as MessageEvent<string>).data);
      setChunks((c) => [...c, text]);
    });
    source.addEventListener("end", () => {
      setState("ended");
      source.close();
    });
    // EventSource reconnects by itself (resuming from the last chunk id); show it meanwhile
    source.addEventListener("error", () => setState((s) => (s === "ended" ? s : "error")));
    return () => source.close();
  }, [runId, streamKey]);

  const prose = chunks.length > 0 && chunks.every((c) => c.isString);
  return (
    <div class="card" data-stream={streamKey}>
      <div class="k">
        <code>{streamKey}</code> · {chunks.length} chunk{chunks.length === 1 ? "" : "s"} ·{" "}
        <span aria-live="polite">{state === "live" ? "live" : state === "ended" ? "complete" : state === "error" ? "reconnecting…" : "connecting…"}</span>
      </div>
      <ScrollRegion label={`Stream ${streamKey}`}>
        <pre data-testid={`stream-${streamKey}`}>{prose ? chunks.map((c) => c.text).join("") : chunks.map((c) => c.text).join("\n")}</pre>
      </ScrollRegion>
    </div>
  );
}

/** The run's realtime streams, found while the run goes on and each followed live. */
export function RunStreams({ runId, finished }: { runId: string; finished: boolean }) {
  const { data } = usePoll(
    () => api<{ data: StreamInfo[] }>(`/api/v1/dashboard/runs/${runId}/streams`).catch(() => ({ data: [] })),
    [runId],
    finished ? 30_000 : 2000,
  );
  const streams = data?.data ?? [];
  if (streams.length === 0) return null;
  return (
    <>
      <h2>Streams</h2>
      {streams.map((s) => (
        <StreamView key={s.key} runId={runId} streamKey={s.key} />
      ))}
    </>
  );
}
