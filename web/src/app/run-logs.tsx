import { useState } from "preact/hooks";
import type { TaskEvent } from "./api.js";
import { duration } from "./format.js";
import { ScrollRegion } from "./scroll-region.js";

const LEVELS = ["debug", "log", "info", "warn", "error"];

/** Logs and spans of a run as a trace: spans with their duration bars, logs under them, filterable. */
export function RunLogs({ events }: { events: TaskEvent[] }) {
  const [minLevel, setMinLevel] = useState("debug");
  const [search, setSearch] = useState("");
  const start = events.length > 0 ? Math.min(...events.map((e) => Date.parse(e.time))) : 0;
  const end = Math.max(start + 1, ...events.map((e) => Date.parse(e.time) + (e.durationMs ?? 0)));
  const rank = (level: string) => Math.max(0, LEVELS.indexOf(level.toLowerCase()));
  const needle = search.trim().toLowerCase();
  // nesting: a span or log sits under the span its parentSpanId names
  const parents = new Map(events.filter((e) => e.spanId).map((e) => [e.spanId!, e.parentSpanId]));
  const depth = (e: TaskEvent) => {
    let d = 0;
    for (let p = e.parentSpanId; p && parents.has(p) && d < 20; p = parents.get(p)) d++;
    return d;
  };
  const shown = events.filter(
    (e) =>
      rank(e.level) >= rank(minLevel) &&
      (!needle || e.message.toLowerCase().includes(needle) || JSON.stringify(e.attributes ?? {}).toLowerCase().includes(needle)),
  );
  return (
    <div>
      <form class="inline" onSubmit={(e) => e.preventDefault()} aria-label="Log filters">
        <label>
          Minimum level
          <select value={minLevel} onChange={(e) => setMinLevel(e.currentTarget.value)}>
            {LEVELS.map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Search logs
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="text or attribute" />
        </label>
        <span class="muted" role="status">
          {shown.length} of {events.length} events
        </span>
      </form>
      {shown.length === 0 ? (
        <p class="muted">{events.length === 0 ? "No logs yet." : "No events match."}</p>
      ) : (
        <ScrollRegion label="Trace">
          <ol class="trace">
            {shown.map((e) => {
              const offset = ((Date.parse(e.time) - start) / (end - start)) * 100;
              const width = e.kind === "span" ? Math.max(0.5, ((e.durationMs ?? 0) / (end - start)) * 100) : 0;
              return (
                <li key={e.id} class={`event ${e.level.toLowerCase()} ${e.kind}`}>
                  <span class="t">+{duration(Date.parse(e.time) - start)}</span>
                  <span class="a">#{e.attemptNumber}</span>
                  <span class="lvl">{e.level.toUpperCase()}</span>
                  <span class="msg" style={{ paddingLeft: `${depth(e) * 1.1}rem` }}>
                    {e.kind === "span" ? <b>{e.message}</b> : e.message}
                    {e.kind === "span" && <span class="muted"> ({duration(e.durationMs)})</span>}
                    {e.attributes && Object.keys(e.attributes).length > 0 && <code class="attrs">{JSON.stringify(e.attributes)}</code>}
                  </span>
                  {e.kind === "span" && (
                    <span class="bar" aria-hidden="true">
                      <span style={{ marginLeft: `${offset}%`, width: `${width}%` }} />
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        </ScrollRegion>
      )}
    </div>
  );
}
