// Runs inside the attempt's container: starts the bundle's worker entry with an IPC channel and relays the
// IPC protocol (sdk/src/contracts/ipc.ts) over stdin/stdout as JSON lines, since IPC cannot cross `docker run`.
// Usage: node docker-shim.mjs <entry> <heapMb>
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const [entry, heapMb] = process.argv.slice(2);
const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, entry], {
  stdio: ["ignore", "pipe", "inherit", "ipc"],
  serialization: "json",
  env: process.env,
});
const out = (record) => process.stdout.write(`${JSON.stringify({ gantry: 1, ...record })}\n`);
child.on("message", (message) => out({ message }));
createInterface({ input: child.stdout }).on("line", (line) => out({ stdout: line }));
createInterface({ input: process.stdin })
  .on("line", (line) => {
    try {
      if (child.connected) child.send(JSON.parse(line));
    } catch {
      // a malformed line from the runner is dropped
    }
  })
  // The runner closes stdin once it has the attempt's result: the container is done.
  .on("close", () => child.kill("SIGKILL"));
child.on("exit", (code, signal) => {
  out({ exit: { code, signal } });
  process.exit(code ?? 1);
});
