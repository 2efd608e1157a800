import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText, type RunSummary } from "./api.js";
import { abortBulk, describeProgress, runBulk, type BulkProgress } from "./bulk.js";
import { duration, when } from "./format.js";
import { useNav } from "./nav.js";
import { useEnvironmentRunChanges } from "./use-live.js";
import { usePoll } from "./use-poll.js";

const STATUSES = ["PENDING_VERSION", "DELAYED", "QUEUED", "EXECUTING", "WAITING", "COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];

interface Page {
  data: RunSummary[];
  pagination: { next?: string; previous?: string };
}

interface Filters {
  status: string;
  task: string;
  tag: string;
  version: string;
  queue: string;
  batch: string;
  schedule: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { status: "", task: "", tag: "", version: "", queue: "", batch: "", schedule: "", from: "", to: "" };
type TextFilter = "task" | "tag" | "version" | "queue" | "batch" | "schedule";
const NO_TEXT: Pick<Filters, TextFilter> = { task: "", tag: "", version: "", queue: "", batch: "", schedule: "" };

function listQuery(f: Filters, cursor: { after?: string; before?: string }): string {
  const q = new URLSearchParams({ "page[size]": "25" });
  if (f.status) q.set("filter[status]", f.status);
  if (f.task.trim()) q.set("filter[taskIdentifier]", f.task.trim());
  if (f.tag.trim()) q.set("filter[tag]", f.tag.trim());
  if (f.version.trim()) q.set("filter[version]", f.version.trim());
  if (f.queue.trim()) q.set("filter[queue]", f.queue.trim());
  if (f.batch.trim()) q.set("filter[batch]", f.batch.trim());
  if (f.schedule.trim()) q.set("filter[schedule]", f.schedule.trim());
  if (f.from) q.set("filter[createdAt][from]", new Date(f.from).toISOString());
  if (f.to) q.set("filter[createdAt][to]", new Date(f.to).toISOString());
  if (cursor.after) q.set("page[after]", cursor.after);
  if (cursor.before) q.set("page[before]", cursor.before);
  return q.toString();
}

export function RunsPage() {
  const { environment } = useNav();
  // links from other pages preset a filter: `#/runs?task=…`, `#/runs?schedule=…`
  const [filters, setFilters] = useState<Filters>(() => {
    const linked = new URLSearchParams(location.hash.split("?")[1] ?? "");
    return { ...EMPTY, task: linked.get("task") ?? "", schedule: linked.get("schedule") ?? "" };
  });
  const [cursor, setCursor] = useState<{ after?: string; before?: string }>({});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [progress, setProgress] = useState<BulkProgress | null>(null);
  const query = listQuery(filters, cursor);
  // the change stream pushes a ping whenever a run of the environment changes; polling stays as the fallback
  const onChange = useRef(() => {});
  const live = useEnvironmentRunChanges(environment.id, () => onChange.current());
  const { data, error, refresh } = usePoll(() => api<Page>(`/api/v1/runs?${query}`), [query, environment.id], live ? 10_000 : 1500);
  onChange.current = refresh;
  const firstFilter = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "/" && !(e.target as HTMLElement | null)?.closest("input, textarea, select")) {
        e.preventDefault();
        firstFilter.current?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  // text filters apply as you type (debounced); selects and dates at once
  const [draft, setDraft] = useState<Pick<Filters, TextFilter>>({ ...NO_TEXT, task: filters.task, schedule: filters.schedule });
  useEffect(() => {
    const timer = setTimeout(() => apply(draft), 250);
    return () => clearTimeout(timer);
  }, [draft.task, draft.tag, draft.version, draft.queue, draft.batch, draft.schedule]);
  const apply = (change: Partial<Filters>) => {
    setFilters((current) => {
      const next = { ...current, ...change };
      return (Object.keys(next) as Array<keyof Filters>).some((k) => next[k] !== current[k]) ? next : current;
    });
    setCursor({});
    setSelected(new Set());
  };
  const set = (key: keyof Filters) => (e: Event) => apply({ [key]: (e.currentTarget as HTMLInputElement).value });
  const type = (key: TextFilter) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const rows = data?.data ?? [];
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const [bulkError, setBulkError] = useState<string | null>(null);
  const bulk = async (action: "cancel" | "replay") => {
    setBulkError(null);
    try {
      await runBulk(action, [...selected], setProgress);
      setSelected(new Set());
    } catch (e) {
      setProgress(null);
      setBulkError(errorText(e));
    }
    refresh();
  };
  const busy = progress !== null && !progress.finished;

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">
        Runs {live && <span class="badge" title="The list follows run changes over a live connection">live</span>}
      </h1>
      <form class="inline" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Status
          <select ref={firstFilter} value={filters.status} onChange={set("status")}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Task
          <input value={draft.task} onInput={type("task")} placeholder="task id" />
        </label>
        <label>
          Tag
          <input value={draft.tag} onInput={type("tag")} placeholder="tag" />
        </label>
        <label>
          Version
          <input value={draft.version} onInput={type("version")} placeholder="20260101.1" />
        </label>
        <label>
          Queue
          <input value={draft.queue} onInput={type("queue")} placeholder="task/echo" />
        </label>
        <label>
          Batch
          <input value={draft.batch} onInput={type("batch")} placeholder="batch_…" />
        </label>
        <label>
          Schedule
          <input value={draft.schedule} onInput={type("schedule")} placeholder="sched_…" />
        </label>
        <label>
          Created from
          <input type="datetime-local" value={filters.from} onChange={set("from")} />
        </label>
        <label>
          Created to
          <input type="datetime-local" value={filters.to} onChange={set("to")} />
        </label>
        <button type="button" onClick={() => (setDraft(NO_TEXT), apply(EMPTY))}>
          Clear filters
        </button>
      </form>
      <div class="toolbar" role="group" aria-label="Bulk actions">
        <button type="button" disabled={selected.size === 0 || busy} onClick={() => void bulk("cancel")}>
          Cancel selected ({selected.size})
        </button>
        <button type="button" disabled={selected.size === 0 || busy} onClick={() => void bulk("replay")}>
          Replay selected ({selected.size})
        </button>
        {busy && progress?.id && (
          <button type="button" onClick={() => void abortBulk(progress.id!).catch((e) => setBulkError(errorText(e)))}>
            Abort
          </button>
        )}
        <span role="status" aria-live="polite" class="muted">
          {bulkError ?? (progress ? describeProgress(progress) : "")}
        </span>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <table aria-describedby="runs-title">
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all runs on this page"
                checked={allSelected}
                onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
              />
            </th>
            <th scope="col">Run</th>
            <th scope="col">Task</th>
            <th scope="col">Status</th>
            <th scope="col">Version</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((run) => (
            <tr key={run.id} data-run-id={run.id}>
              <td>
                <input type="checkbox" aria-label={`Select ${run.id}`} checked={selected.has(run.id)} onChange={() => toggle(run.id)} />
              </td>
              <td>
                <a href={`#/runs/${run.id}`}>
                  <code>{run.id}</code>
                </a>
                {run.isTest && <span class="badge">test</span>}
              </td>
              <td>{run.taskIdentifier}</td>
              <td>
                <span class={`status ${run.status}`}>{run.status}</span>
                {run.status === "DELAYED" && run.delayedUntil && <div class="muted small">until {when(run.delayedUntil)}</div>}
              </td>
              <td>{run.version ?? "—"}</td>
              <td>{when(run.createdAt)}</td>
              <td>{duration(run.durationMs)}</td>
              <td>{run.tags.join(", ")}</td>
            </tr>
          ))}
          {data && rows.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No runs match. Trigger one from the Tasks page, the SDK or curl.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="toolbar">
        <button type="button" disabled={!data?.pagination.previous} onClick={() => setCursor({ before: data?.pagination.previous })}>
          ← Newer
        </button>
        <button type="button" disabled={!data?.pagination.next} onClick={() => setCursor({ after: data?.pagination.next })}>
          Older →
        </button>
      </div>
    </section>
  );
}
