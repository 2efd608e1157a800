export const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : "—");

export function duration(ms?: number): string {
  if (ms === undefined || ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export const json = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value, null, 2));
