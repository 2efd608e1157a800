import { useState } from "preact/hooks";
import { api, errorText } from "./api.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";

interface ProjectInfo {
  ref: string;
  environments: Array<{ id: string; slug: string; branchName: string | null; apiKey?: string }>;
}

/** The project's secret keys (a preview branch uses the preview key with x-trigger-branch). */
export function ApiKeysPage() {
  const { project } = useNav();
  const { data, error, refresh } = usePoll(() => api<ProjectInfo>(`/api/v1/projects/${project.ref}`), [project.ref], 30_000);
  const [revealed, setRevealed] = useState<Set<string>>(new Set());
  const [copied, setCopied] = useState<string | null>(null);
  const envs = (data?.environments ?? []).filter((e) => e.branchName === null && e.apiKey);
  const copy = async (slug: string, key: string) => {
    await navigator.clipboard.writeText(key).catch(() => {});
    setCopied(`Copied the ${slug} key`);
  };
  const rotate = async (id: string, slug: string) => {
    if (!confirm(`Rotate the ${slug} key? The current key stops working now: update TRIGGER_SECRET_KEY wherever it is used.`)) return;
    try {
      await api(`/api/v1/dashboard/environments/${id}/api-keys/rotate`, { method: "POST" });
      setCopied(`Rotated the ${slug} key`);
      setRevealed(new Set([...revealed, id]));
      refresh();
    } catch (e) {
      setCopied(errorText(e));
    }
  };
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys · {project.name}</h1>
      <p class="muted">
        Set <code>TRIGGER_SECRET_KEY</code> (or <code>GANTRY_SECRET_KEY</code>) to an environment's key. Project ref: <code>{project.ref}</code>
      </p>
      <p role="status" aria-live="polite">{copied}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col">Secret key</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {envs.map((e) => (
            <tr key={e.id}>
              <td>{e.slug}</td>
              <td>
                <code data-testid={`key-${e.slug}`}>{revealed.has(e.id) ? e.apiKey : `${e.apiKey!.slice(0, e.apiKey!.indexOf("_", 3) + 1)}••••••••${e.apiKey!.slice(-4)}`}</code>
              </td>
              <td class="actions">
                <button type="button" onClick={() => setRevealed(new Set([...revealed, e.id]))} aria-label={`Reveal the ${e.slug} key`}>Reveal</button>
                <button type="button" onClick={() => void copy(e.slug, e.apiKey!)} aria-label={`Copy the ${e.slug} key`}>Copy</button>
                <button type="button" onClick={() => void rotate(e.id, e.slug)} aria-label={`Rotate the ${e.slug} key`}>Rotate</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
