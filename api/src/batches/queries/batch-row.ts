/** A `batches` row as the service reads it. */
export interface BatchRow {
  id: string;
  environment_id: string;
  project_id: string;
  run_count: number;
  task_identifiers: string[];
  accepted_count: number;
  sealed: boolean;
  sealed_at: Date | null;
  finished_count: number;
  status: "PENDING" | "COMPLETED";
  idempotency_key: string | null;
  request_idempotency_key: string | null;
  parent_run_id: string | null;
  resume_parent_on_completion: boolean;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}
