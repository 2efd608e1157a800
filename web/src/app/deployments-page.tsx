import { useState } from "preact/hooks";
import { api, type Deployment } from "./api.js";
import { BuildLog } from "./build-log.js";
import { when } from "./format.js";
import { envPath, useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

/** Versions of the environment with status, commit and PR; promote any deployed version (roll back = promote an older one). */
export function DeploymentsPage() {
  const { project, environment, reload } = useNav();
  const env = envPath(environment);
  const query = `env=${env.slug}${env.branchQuery ? `&${env.branchQuery}` : ""}&limit=50`;
  const { data, error, refresh } = usePoll(
    () => api<{ data: Deployment[] }>(`/api/v1/projects/${project.ref}/deployments?${query}`),
    [project.ref, query],
    4000,
  );
  const { message, act } = useAction(() => (refresh(), reload()));
  const [openLog, setOpenLog] = useState<string | null>(null);
  const deployments = data?.data ?? [];
  const current = deployments.find((d) => d.isCurrent);

  const promote = async (d: Deployment) => {
    const older = current && d.createdAt < current.createdAt;
    if (!confirm(`${older ? "Roll back" : "Promote"} ${environment.slug} to ${d.version}? New runs will use it.`)) return;
    const suffix = env.branchQuery ? `?${env.branchQuery}` : "";
    await act(`${d.version} is now the current version of ${environment.branchName ?? environment.slug}`, () =>
      api(`/api/v1/projects/${project.ref}/envs/${env.slug}/promote${suffix}`, { method: "POST", body: { version: d.version } }),
    );
  };

  return (
    <section aria-labelledby="deployments-title">
      <h1 id="deployments-title">Deployments</h1>
      <p class="muted">
        Current version: <b data-testid="current-version">{current?.version ?? environment.currentVersion ?? "none"}</b>
      </p>
      <PageStatus message={message} error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Commit</th>
            <th scope="col">Tasks</th>
            <th scope="col">Created</th>
            <th scope="col">Deployed</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => [
            <tr key={d.id} data-version={d.version}>
              <td>
                <b>{d.version}</b> {d.isCurrent && <span class="badge current">current</span>}
              </td>
              <td>
                <span class={`status ${d.status === "DEPLOYED" ? "COMPLETED" : d.status === "FAILED" ? "FAILED" : "QUEUED"}`}>{d.status}</span>
                {d.error && <div class="error small">{d.error.message}</div>}
              </td>
              <td>
                <Commit git={d.git} />
              </td>
              <td>{d.tasks.length}</td>
              <td>{when(d.createdAt)}</td>
              <td>{when(d.deployedAt ?? undefined)}</td>
              <td class="actions">
                {d.status === "DEPLOYED" && !d.isCurrent && (
                  <button type="button" onClick={() => void promote(d)} aria-label={`${current && d.createdAt < current.createdAt ? "Roll back to" : "Promote"} ${d.version}`}>
                    {current && d.createdAt < current.createdAt ? "Roll back" : "Promote"}
                  </button>
                )}
                <button type="button" aria-expanded={openLog === d.id} onClick={() => setOpenLog(openLog === d.id ? null : d.id)} aria-label={`Build log of ${d.version}`}>
                  {openLog === d.id ? "Hide log" : "Build log"}
                </button>
              </td>
            </tr>,
            openLog === d.id ? (
              <tr key={`${d.id}-log`}>
                <td colSpan={7}>
                  <BuildLog path={`/api/v1/dashboard/projects/${project.ref}/deployments/${d.id}/logs`} label={`Deployment ${d.version}`} />
                </td>
              </tr>
            ) : null,
          ])}
          {data && deployments.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No deployments yet: <code>gantry deploy --env {environment.slug}</code>.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function Commit({ git }: { git: Deployment["git"] }) {
  if (!git?.commitSha) return <span class="muted">—</span>;
  const repo = git.remoteUrl?.replace(/\.git$/, "").replace(/^git@github\.com:/, "https://github.com/");
  const sha = git.commitSha.slice(0, 7);
  return (
    <span>
      {repo?.startsWith("https://") ? <a href={`${repo}/commit/${git.commitSha}`}><code>{sha}</code></a> : <code>{sha}</code>}{" "}
      {git.commitRef && <span class="muted">{git.commitRef}</span>}{" "}
      {git.pullRequestUrl && <a href={git.pullRequestUrl}>PR #{git.pullRequestNumber}</a>}
      {git.commitMessage && <div class="muted small">{git.commitMessage.split("\n")[0]}</div>}
    </span>
  );
}
