import type { Sql } from "postgres";

export interface PullRequestRow {
  connection_id: string;
  number: number;
  title: string;
  url: string;
  state: "open" | "closed";
  head_ref: string;
  head_sha: string;
  fork_owner: string | null;
  branch_name: string;
  comment_id: number | null;
}

export async function upsertPullRequest(
  sql: Sql,
  row: { connectionId: string; number: number; title: string; url: string; state: "open" | "closed"; headRef: string; headSha: string; forkOwner: string | null; branchName: string },
): Promise<PullRequestRow> {
  const [out] = await sql<PullRequestRow[]>`
    insert into github_pull_requests (connection_id, number, title, url, state, head_ref, head_sha, fork_owner, branch_name)
    values (${row.connectionId}, ${row.number}, ${row.title}, ${row.url}, ${row.state}, ${row.headRef}, ${row.headSha}, ${row.forkOwner}, ${row.branchName})
    on conflict (connection_id, number) do update set title = excluded.title, url = excluded.url, state = excluded.state,
      head_ref = excluded.head_ref, head_sha = excluded.head_sha, fork_owner = excluded.fork_owner, updated_at = now()
    returning connection_id, number, title, url, state, head_ref, head_sha, fork_owner, branch_name, comment_id::int as comment_id`;
  return out!;
}

export async function setPullRequestComment(sql: Sql, connectionId: string, number: number, commentId: number): Promise<void> {
  await sql`update github_pull_requests set comment_id = ${commentId}, updated_at = now()
    where connection_id = ${connectionId} and number = ${number}`;
}
