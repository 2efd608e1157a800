import { useState } from "preact/hooks";
import { api, envLabel, type Environment } from "./api.js";
import { envPath, useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

interface EnvVar {
  name: string;
  value: string;
  isSecret: boolean;
  /** on a preview branch: the preview environment's value (edit to override it on this branch) */
  inherited?: boolean;
}

/** The preview parent reads "preview (all branches)": its variables are every branch's defaults. */
const scopeLabel = (e: Environment) => (e.slug === "preview" && e.branchName === null ? "preview (all branches)" : envLabel(e));

/** The environment's (or preview branch's) variables; secret values are write-only (the API never returns them). */
export function EnvVarsPage() {
  const { project, environment: current } = useNav();
  // the page may act on the preview parent too, which the environment switcher does not offer
  const choices = project.environments.filter((e) => !e.archivedAt || e.id === current.id);
  // (switching environments remounts the page: main is keyed by the environment)
  const [scopeId, setScopeId] = useState(current.id);
  const environment = choices.find((e) => e.id === scopeId) ?? current;
  const env = envPath(environment);
  const base = `/api/v1/projects/${project.ref}/envvars/${env.slug}`;
  const { data, error, refresh } = usePoll(
    () => api<EnvVar[]>(`/api/v1/dashboard/projects/${project.ref}/envvars/${env.slug}`, { headers: env.branchHeader }),
    [base, environment.id],
    10_000,
  );
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(false);
  const { message, act } = useAction(refresh);

  const add = (event: Event) => {
    event.preventDefault();
    void act(`Saved ${name}`, async () => {
      await api(base, { method: "POST", body: { name, value, isSecret: secret }, headers: env.branchHeader });
      setName("");
      setValue("");
      setSecret(false);
    });
  };
  const edit = (v: EnvVar) => {
    const next = prompt(`New value for ${v.name}`, v.value);
    if (next === null) return;
    void act(`Updated ${v.name}`, () => api(`${base}/${encodeURIComponent(v.name)}`, { method: "PUT", body: { value: next }, headers: env.branchHeader }));
  };
  const remove = (v: EnvVar) => {
    if (!confirm(`Delete ${v.name} from ${scopeLabel(environment)}?`)) return;
    void act(`Deleted ${v.name}`, () => api(`${base}/${encodeURIComponent(v.name)}`, { method: "DELETE", headers: env.branchHeader }));
  };

  return (
    <section aria-labelledby="envvars-title">
      <h1 id="envvars-title">Environment variables · {scopeLabel(environment)}</h1>
      <div class="toolbar">
        <label>
          Variables of
          <select value={environment.id} onChange={(e) => setScopeId(e.currentTarget.value)}>
            {choices.map((e) => (
              <option value={e.id}>{scopeLabel(e)}</option>
            ))}
          </select>
        </label>
      </div>
      {environment.branchName && <p class="muted">Branch values override the preview environment's; inherited ones are marked.</p>}
      {environment.slug === "preview" && !environment.branchName && <p class="muted">These values apply to every preview branch unless a branch sets its own.</p>}
      <PageStatus message={message} error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((v) => (
            <tr key={v.name} data-envvar={v.name}>
              <td>
                <code>{v.name}</code>
                {v.isSecret && <span class="badge">secret</span>}
                {v.inherited && <span class="badge" title="From preview (all branches): edit to override it on this branch">inherited</span>}
              </td>
              <td>
                {v.isSecret ? <span class="muted" title="Secret values are write-only: edit to replace">•••••••• (write-only)</span> : <code>{v.value}</code>}
              </td>
              <td class="actions">
                <button type="button" onClick={() => edit(v)} aria-label={`${v.inherited ? "Override" : "Edit"} ${v.name}`}>{v.inherited ? "Override" : "Edit"}</button>
                {!v.inherited && <button type="button" onClick={() => remove(v)} aria-label={`Delete ${v.name}`}>Delete</button>}
              </td>
            </tr>
          ))}
          {data && data.length === 0 && (
            <tr><td colSpan={3} class="muted">No variables yet.</td></tr>
          )}
        </tbody>
      </table>
      <form class="inline" onSubmit={add} aria-label="Add a variable">
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} pattern="[A-Za-z_][A-Za-z0-9_]*" required />
        </label>
        <label>
          Value
          <input value={value} type={secret ? "password" : "text"} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.currentTarget.checked)} /> Secret
        </label>
        <button type="submit">Add variable</button>
      </form>
    </section>
  );
}
