/**
 * The worker entry the bundle starts from (see team.md): the SDK's worker harness, the config, then every
 * task file in order (init files first), each announced with setCurrentFile so hidden tasks registered by
 * that file record where they live.
 */
export function generateEntry(opts: { configFile: string; rootDir: string; taskFiles: string[] }): string {
  const lines = [
    'import { setCurrentFile, startWorker } from "@gantry/sdk/worker";',
    `import config from ${JSON.stringify(opts.configFile)};`,
    "",
  ];
  for (const file of opts.taskFiles) {
    const abs = `${opts.rootDir.replace(/\/$/, "")}/${file}`;
    lines.push(`setCurrentFile(${JSON.stringify(file)});`);
    lines.push(`await import(${JSON.stringify(abs)});`);
  }
  lines.push("", "startWorker({ config });", "");
  return lines.join("\n");
}
