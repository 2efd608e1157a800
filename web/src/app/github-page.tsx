import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";
import { BuildLog } from "./build-log.js";
import { when } from "./format.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

interface Connection {
  repository: string;
  defaultBranch: string | null;
  productionBranch: string | null;
  stagingBranch: string | null;
  previews: boolean;
  maxActivePreviews: number | null;
  configPath: string | null;
  rootDir: string | null;
  installCommand: string | null;
  preBuildCommand: string | null;
  usable: boolean;
}

export interface Build {
  id: string;
  environment: string;
  branchName: string | null;
  trigger: string;
  ref: string;
  sha: string;
  commitMessage: string | null;
  pullRequestNumber: number | null;
  status: string;
  awaitingApproval: boolean;
  deploymentId: string | null;
  version: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface Overview {
  canEdit: boolean;
  connection: Connection | null;
  repositories: Array<{ fullName: string; defaultBranch: string | null; private: boolean }>;
  builds: Build[];
}

type Form = Record<"repository" | "productionBranch" | "stagingBranch" | "maxActivePreviews" | "configPath" | "rootDir" | "installCommand" | "preBuildCommand", string> & {
  previews: boolean;
};

const toForm = (c: Connection | null, firstRepo?: string): Form => ({
  repository: c?.repository ?? firstRepo ?? "",
  productionBranch: c?.productionBranch ?? "",
  stagingBranch: c?.stagingBranch ?? "",
  previews: c?.previews ?? true,
  maxActivePreviews: c?.maxActivePreviews === null || c?.maxActivePreviews === undefined ? "" : String(c.maxActivePreviews),
  configPath: c?.configPath ?? "",
  rootDir: c?.rootDir ?? "",
  installCommand: c?.installCommand ?? "",
  preBuildCommand: c?.preBuildCommand ?? "",
});

const orNull = (v: string) => (v.trim() === "" ? null : v.trim());
const statusClass = (s: string) => (s === "DEPLOYED" ? "COMPLETED" : s === "FAILED" || s === "TIMED_OUT" ? "FAILED" : s === "CANCELED" ? "CANCELED" : s === "PENDING" ? "QUEUED" : "EXECUTING");

/** The project's GitHub connection: repository, tracked branches and build settings (admins edit), and its latest builds with live logs. */
export function GitHubPage() {
  const { project } = useNav();
  const base = `/api/v1/dashboard/projects/${project.ref}/github`;
  const { data, error, refresh } = usePoll(() => api<Overview>(base), [base], 3000);
  const { message, act } = useAction(refresh);
  const [form, setForm] = useState<Form | null>(null);
  const [openLog, setOpenLog] = useState<string | null>(null);

  // the form starts from the saved settings once they load (after a save it already shows them)
  useEffect(() => {
    if (data && form === null) setForm(toForm(data.connection, data.repositories[0]?.fullName));
  }, [data, form]);

  const set = (key: keyof Form) => (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    setForm((f) => (f ? { ...f, [key]: input.type === "checkbox" ? input.checked : input.value } : f));
  };

  const save = (event: Event) => {
    event.preventDefault();
    if (!form) return;
    const max = orNull(form.maxActivePreviews);
    void act(`Saved the GitHub settings of ${form.repository}`, async () => {
      await api("/api/v1/github/connections", {
        method: "POST",
        body: {
          projectRef: project.ref,
          repository: form.repository,
          productionBranch: orNull(form.productionBranch),
          stagingBranch: orNull(form.stagingBranch),
          previews: form.previews,
          maxActivePreviews: max === null ? null : Number(max),
          configPath: orNull(form.configPath),
          rootDir: orNull(form.rootDir),
          installCommand: orNull(form.installCommand),
          preBuildCommand: orNull(form.preBuildCommand),
        },
      });
    });
  };

  const connection = data?.connection ?? null;
  const readOnly = !data?.canEdit;
  return (
    <section aria-labelledby="github-title">
      <h1 id="github-title">GitHub</h1>
      <PageStatus message={message} error={error} />
      {data && (
        <p class="muted" data-testid="github-connection">
          {connection ? (
            <>
              Connected to <a href={`https://github.com/${connection.repository}`}><b>{connection.repository}</b></a>: pushes to{" "}
              <code>{connection.productionBranch ?? connection.defaultBranch ?? "the default branch"}</code> deploy to prod
              {connection.stagingBranch ? <>, to <code>{connection.stagingBranch}</code> to staging</> : null}
              {connection.previews ? "; pull requests get preview branches" : "; no preview branches"}.
              {!connection.usable && <span class="error"> The App no longer has access to this repository: builds are refused until it is reinstalled.</span>}
            </>
          ) : (
            "No repository connected yet: install the Gantry GitHub App on a repository, then connect it here."
          )}
        </p>
      )}
      {data && readOnly && <p class="muted small">Only an admin of the organization can change these settings.</p>}

      {form && (
        <form class="card" onSubmit={save} aria-label="GitHub settings">
          <h2>Repository and build settings</h2>
          <fieldset disabled={readOnly} style="border: 0; padding: 0; margin: 0">
            <div class="toolbar">
              <label>
                Repository
                <select value={form.repository} onChange={set("repository")} required>
                  {!data?.repositories.some((r) => r.fullName === form.repository) && form.repository && <option value={form.repository}>{form.repository}</option>}
                  {data?.repositories.map((r) => (
                    <option key={r.fullName} value={r.fullName}>{r.fullName}{r.private ? " (private)" : ""}</option>
                  ))}
                </select>
              </label>
              <label>
                Production branch
                <input value={form.productionBranch} onInput={set("productionBranch")} placeholder={connection?.defaultBranch ?? "default branch"} />
              </label>
              <label>
                Staging branch
                <input value={form.stagingBranch} onInput={set("stagingBranch")} placeholder="none" />
              </label>
              <label class="check">
                <input type="checkbox" checked={form.previews} onChange={set("previews")} /> Preview branches for pull requests
              </label>
              <label>
                Max active previews
                <input value={form.maxActivePreviews} onInput={set("maxActivePreviews")} inputMode="numeric" pattern="\d*" placeholder="no cap" size={8} />
              </label>
            </div>
            <div class="toolbar">
              <label>
                Root directory
                <input value={form.rootDir} onInput={set("rootDir")} placeholder="repository root" />
              </label>
              <label>
                Config file
                <input value={form.configPath} onInput={set("configPath")} placeholder="gantry.config.ts" />
              </label>
              <label>
                Install command
                <input value={form.installCommand} onInput={set("installCommand")} placeholder="from the lockfile" />
              </label>
              <label>
                Pre-build command
                <input value={form.preBuildCommand} onInput={set("preBuildCommand")} placeholder="none" />
              </label>
            </div>
            <button type="submit" disabled={!form.repository}>{connection ? "Save settings" : "Connect repository"}</button>
          </fieldset>
        </form>
      )}

      <h2>Builds</h2>
      <BuildsTable builds={data?.builds ?? []} openLog={openLog} onToggle={(id) => setOpenLog(openLog === id ? null : id)} projectRef={project.ref} />
    </section>
  );
}

function BuildsTable({ builds, openLog, onToggle, projectRef }: { builds: Build[]; openLog: string | null; onToggle(id: string): void; projectRef: string }) {
  return (
    <table aria-label="GitHub builds">
      <thead>
        <tr>
          <th scope="col">Commit</th>
          <th scope="col">Target</th>
          <th scope="col">Status</th>
          <th scope="col">Version</th>
          <th scope="col">Started</th>
          <th scope="col"><span class="sr-only">Log</span></th>
        </tr>
      </thead>
      <tbody>
        {builds.map((b) => [
          <tr key={b.id} data-build={b.id}>
            <td>
              <code>{b.sha.slice(0, 7)}</code> <span class="muted">{b.ref.replace(/^refs\/heads\//, "")}</span>
              {b.pullRequestNumber !== null && <span class="badge">PR #{b.pullRequestNumber}</span>}
              {b.commitMessage && <div class="muted small">{b.commitMessage.split("\n")[0]}</div>}
            </td>
            <td>{b.branchName ? `preview / ${b.branchName}` : b.environment}</td>
            <td>
              <span class={`status ${statusClass(b.status)}`}>{b.awaitingApproval ? "AWAITING APPROVAL" : b.status}</span>
              {b.error && <div class="error small">{b.error}</div>}
            </td>
            <td>{b.version ?? "—"}</td>
            <td>{when(b.createdAt)}</td>
            <td>
              <button type="button" aria-expanded={openLog === b.id} onClick={() => onToggle(b.id)} aria-label={`Build log of ${b.sha.slice(0, 7)}`}>
                {openLog === b.id ? "Hide log" : "Log"}
              </button>
            </td>
          </tr>,
          openLog === b.id ? (
            <tr key={`${b.id}-log`}>
              <td colSpan={6}>
                <BuildLog path={`/api/v1/dashboard/projects/${projectRef}/builds/${b.id}/logs`} label={`Build ${b.sha.slice(0, 7)} → ${b.branchName ?? b.environment}`} />
              </td>
            </tr>
          ) : null,
        ])}
        {builds.length === 0 && (
          <tr><td colSpan={6} class="muted">No builds yet: a push to a tracked branch or a pull request starts one.</td></tr>
        )}
      </tbody>
    </table>
  );
}
