/**
 * Errors the builder and CLI throw. Each carries a stable `code`; the CLI prints `message` (which names the
 * fix) and exits 1. `BuildError` also carries the source location esbuild reported, for editors and the
 * GitHub Action's annotations.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string = "cli_error",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

export interface SourceLocation {
  /** Path relative to the project root. */
  file: string;
  line: number;
  column?: number;
  lineText?: string;
  /** Absolute path, for tools that want paths relative to something else (GitHub annotations). */
  absoluteFile?: string;
}

export class BuildError extends CliError {
  constructor(
    message: string,
    readonly location?: SourceLocation,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options?.code ?? "build_failed", options);
    this.name = "BuildError";
  }
}

/** Raised when the api answers with `{ error, code, param }`. */
export class ApiRequestError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    code: string,
    readonly param?: string,
  ) {
    super(message, code);
    this.name = "ApiRequestError";
  }
}
