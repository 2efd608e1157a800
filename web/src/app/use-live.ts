import { useEffect, useState } from "preact/hooks";
import { session } from "./api.js";

/**
 * Follows a run over the realtime API (Server-Sent Events, the session cookie authenticates; EventSource cannot
 * send headers, so the environment goes in the query) and calls `onChange` on every change. Returns whether the
 * stream is connected, so polling can slow down meanwhile.
 */
export function useRunEvents(runId: string, onChange: () => void): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (typeof EventSource === "undefined" || !session.environmentId) return;
    const source = new EventSource(`/realtime/v1/runs/${runId}?gantryEnvironment=${encodeURIComponent(session.environmentId)}`);
    source.addEventListener("open", () => setConnected(true));
    source.addEventListener("run", () => onChange());
    source.addEventListener("error", () => setConnected(false));
    return () => {
      source.close();
      setConnected(false);
    };
  }, [runId]);
  return connected;
}

/**
 * Follows every run of the current environment (the dashboard's change stream: a bare `changed` ping, coalesced)
 * and calls `onChange` on each ping and once subscribed. Returns whether it is connected, like useRunEvents.
 */
export function useEnvironmentRunChanges(environmentId: string, onChange: () => void): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/v1/dashboard/runs/changes?gantryEnvironment=${encodeURIComponent(environmentId)}`);
    source.addEventListener("ready", () => (setConnected(true), onChange()));
    source.addEventListener("changed", () => onChange());
    source.addEventListener("error", () => setConnected(false));
    return () => {
      source.close();
      setConnected(false);
    };
  }, [environmentId]);
  return connected;
}
