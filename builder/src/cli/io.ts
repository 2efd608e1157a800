import type { Writable } from "node:stream";

export const LOG_LEVELS = ["debug", "info", "log", "warn", "error", "none"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a command touches outside itself, so tests can hand in their own. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  /** Prompts for a line (interactive login). Absent when stdin is not a terminal. */
  prompt?: (question: string) => Promise<string>;
  fetch?: typeof fetch;
}

export interface Output {
  debug(message: string): void;
  info(message: string): void;
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Messages at or above `level`: results to stdout, warnings and errors to stderr. */
export function createOutput(io: CliIo, level: LogLevel): Output {
  const rank = (l: LogLevel) => LOG_LEVELS.indexOf(l);
  const on = (l: LogLevel) => level !== "none" && rank(l) >= rank(level);
  const write = (stream: Writable, message: string) => void stream.write(message.endsWith("\n") ? message : message + "\n");
  return {
    debug: (m) => on("debug") && write(io.stderr, m),
    info: (m) => on("info") && write(io.stdout, m),
    log: (m) => on("log") && write(io.stdout, m),
    warn: (m) => on("warn") && write(io.stderr, `warning: ${m}`),
    error: (m) => on("error") && write(io.stderr, `error: ${m}`),
  };
}
