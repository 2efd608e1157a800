import type { Sql } from "postgres";

type Scalar = string | number | boolean | Date | null | undefined;

/**
 * One column of a batched statement as a text[] parameter (cast in SQL: `${col(sql, xs)}::int[]`), so
 * `unnest` keeps the statement identical, and prepared once, whatever the batch size. Nulls survive.
 */
export function col(sql: Pick<Sql, "array">, values: readonly Scalar[]) {
  return sql.array(
    values.map((v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v))) as string[],
    1009,
  );
}
