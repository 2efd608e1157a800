import pg from "pg";

export interface TableStats {
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  liveTuples: number;
}

const LIVE = ["PENDING_VERSION", "DELAYED", "QUEUED", "DEQUEUED", "EXECUTING"];

/** Reads Gantry's record directly (the bench is an outside observer: no api call skews what it measures). */
export class Observer {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    // Index scans only (by run id), so that this observer adds nothing to the seq_tup_read it reports.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: "-c enable_seqscan=off" });
    // An idle connection closed under the pool (the database dropped by an interrupted run's clean-up) is not an error here.
    this.pool.on("error", () => {});
  }

  /** Runs among `ids` (every run the bench triggered: nothing else triggers in this database) completed inside [from, to). */
  async completedBetween(ids: string[], from: number, to: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `select count(*) as n from runs where id = any($1) and status = 'COMPLETED' and completed_at >= $2 and completed_at < $3`,
      [ids, new Date(from), new Date(to)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Postgres backend processes serving this database (the api's pool among them; this observer's too). */
  async backendPids(): Promise<number[]> {
    const { rows } = await this.pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`);
    return rows.map((r) => r.pid);
  }

  /** Runs not yet final (queued, dequeued or executing), and how many ended other than COMPLETED. */
  async backlog(): Promise<{ live: number; notCompleted: number }> {
    const { rows } = await this.pool.query<{ live: string; bad: string }>(
      `select count(*) filter (where status = any($1)) as live,
              count(*) filter (where status <> all($1) and status <> 'COMPLETED') as bad
         from runs`,
      [LIVE],
    );
    return { live: Number(rows[0]?.live ?? 0), notCompleted: Number(rows[0]?.bad ?? 0) };
  }

  async countLive(ids: string[]): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`select count(*) as n from runs where id = any($1) and status = any($2)`, [ids, LIVE]);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * For each run: trigger → start, measured from the run's created_at (commit time in Postgres) and from
   * the client's send time, to its first attempt's start (or the run's started_at).
   */
  async startLatencies(runs: Array<{ id: string; sentAt: number }>): Promise<{ fromCreated: number[]; fromSent: number[]; notStarted: number }> {
    const sent = new Map(runs.map((r) => [r.id, r.sentAt]));
    const { rows } = await this.pool.query<{ id: string; created: string; started: string | null }>(
      `select r.id,
              extract(epoch from r.created_at) * 1000 as created,
              extract(epoch from coalesce(a.started_at, r.started_at)) * 1000 as started
         from runs r
         left join attempts a on a.run_id = r.id and a.number = 1
        where r.id = any($1)`,
      [runs.map((r) => r.id)],
    );
    const fromCreated: number[] = [];
    const fromSent: number[] = [];
    let notStarted = runs.length - rows.length;
    for (const row of rows) {
      if (row.started === null) {
        notStarted += 1;
        continue;
      }
      const started = Number(row.started);
      fromCreated.push(started - Number(row.created));
      const s = sent.get(row.id);
      if (s !== undefined) fromSent.push(started - s);
    }
    return { fromCreated, fromSent, notStarted };
  }

  /** pg_stat_user_tables for the hot tables (a growing seq_tup_read means a statement lost its index plan). */
  async tableStats(): Promise<Record<string, TableStats>> {
    await this.pool.query("select pg_stat_clear_snapshot()");
    const { rows } = await this.pool.query<{ relname: string; seq_scan: string; seq_tup_read: string; idx_scan: string | null; n_live_tup: string }>(
      `select relname, seq_scan, seq_tup_read, idx_scan, n_live_tup from pg_stat_user_tables where relname in ('runs', 'attempts')`,
    );
    return Object.fromEntries(
      rows.map((r) => [r.relname, { seqScan: Number(r.seq_scan), seqTupRead: Number(r.seq_tup_read), idxScan: Number(r.idx_scan ?? 0), liveTuples: Number(r.n_live_tup) }]),
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The growth of each counter between two snapshots. */
export function statsDelta(before: Record<string, TableStats>, after: Record<string, TableStats>): Record<string, TableStats> {
  const out: Record<string, TableStats> = {};
  for (const [table, a] of Object.entries(after)) {
    const b = before[table] ?? { seqScan: 0, seqTupRead: 0, idxScan: 0, liveTuples: 0 };
    out[table] = { seqScan: a.seqScan - b.seqScan, seqTupRead: a.seqTupRead - b.seqTupRead, idxScan: a.idxScan - b.idxScan, liveTuples: a.liveTuples };
  }
  return out;
}
