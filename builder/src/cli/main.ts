import { createInterface } from "node:readline/promises";
import { runCli } from "./run.js";

// The `gantry` process: wires the real terminal, environment and exit code to runCli.
const io = {
  env: { ...process.env },
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  prompt: process.stdin.isTTY
    ? async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return await rl.question(question);
        } finally {
          rl.close();
        }
      }
    : undefined,
};

const code = await runCli(process.argv.slice(2), io);
process.exitCode = code;
