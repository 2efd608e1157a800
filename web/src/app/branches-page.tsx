import { api } from "./api.js";
import { when } from "./format.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

interface Branch {
  id: string;
  branchName: string;
  archivedAt: string | null;
  createdAt: string;
  currentVersion: string | null;
  latestDeployment: { version: string; status: string; createdAt: string } | null;
  pullRequest: { number?: number; url?: string; title?: string } | null;
  commitSha?: string;
}

/** Preview branches: PR link, latest deployment, open in the switcher, archive. */
export function BranchesPage() {
  const { project, selectEnvironment, reload } = useNav();
  const { data, error, refresh } = usePoll(() => api<{ data: Branch[] }>(`/api/v1/dashboard/projects/${project.ref}/branches`), [project.ref], 5000);
  const { message, act } = useAction(() => (refresh(), reload()));
  const archive = async (b: Branch) => {
    if (!confirm(`Archive preview branch ${b.branchName}? Its runs stay readable; new triggers are refused until it is deployed again.`)) return;
    await act(`Archived ${b.branchName}`, () => api(`/api/v1/projects/${project.ref}/branches/archive`, { method: "POST", body: { branch: b.branchName } }));
  };
  const branches = data?.data ?? [];
  return (
    <section aria-labelledby="branches-title">
      <h1 id="branches-title">Preview branches</h1>
      <PageStatus message={message} error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Branch</th>
            <th scope="col">Pull request</th>
            <th scope="col">Current version</th>
            <th scope="col">Latest deployment</th>
            <th scope="col">State</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {branches.map((b) => (
            <tr key={b.id} data-branch={b.branchName}>
              <td><code>{b.branchName}</code></td>
              <td>
                {b.pullRequest?.url ? <a href={b.pullRequest.url}>#{b.pullRequest.number} {b.pullRequest.title ?? ""}</a> : b.pullRequest?.number ? `#${b.pullRequest.number}` : <span class="muted">—</span>}
              </td>
              <td>{b.currentVersion ?? "—"}</td>
              <td>
                {b.latestDeployment ? (
                  <>
                    {b.latestDeployment.version} <span class="muted small">{b.latestDeployment.status} · {when(b.latestDeployment.createdAt)}</span>
                  </>
                ) : (
                  "—"
                )}
              </td>
              <td>{b.archivedAt ? `archived ${when(b.archivedAt)}` : "active"}</td>
              <td class="actions">
                <button type="button" onClick={() => (selectEnvironment(b.id), (location.hash = "#/runs"))} aria-label={`Open ${b.branchName}`}>
                  Open
                </button>
                {!b.archivedAt && (
                  <button type="button" onClick={() => void archive(b)} aria-label={`Archive ${b.branchName}`}>
                    Archive
                  </button>
                )}
              </td>
            </tr>
          ))}
          {data && branches.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">No preview branches: <code>gantry deploy --env preview --branch &lt;name&gt;</code> or open a pull request.</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
