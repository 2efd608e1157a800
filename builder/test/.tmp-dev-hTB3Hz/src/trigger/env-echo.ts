import { task } from "@gantry/sdk";
export const envEcho = task({ id: "env-echo", run: async () => ({ fromEnvFile: process.env.FROM_ENV_FILE ?? null, version: 1 }) });
