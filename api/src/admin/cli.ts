import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadConfig } from "../config.js";
import type { ApiDeps } from "../context.js";
import { ensureDatabase, migrate } from "../db/migrate.js";
import { createSql } from "../db/sql.js";
import { ConfigError } from "../errors.js";
import { seedDemo } from "../seed/seed-demo.js";
import { selectUserByEmail } from "../tokens/queries/users.js";
import { createPersonalAccessToken, createRunnerToken, createUser } from "../tokens/service.js";

const USAGE = `gantry admin (reads DATABASE_URL, GANTRY_ENCRYPTION_KEY like the api)

  tsx api/src/admin/cli.ts runner-token create --name <name>     issue a runner token (gr_runner_…)
  tsx api/src/admin/cli.ts user create --email <email> [--name <name>] [--admin]
  tsx api/src/admin/cli.ts token create --email <email> [--name <name>]   issue a personal access token (tr_pat_…)
  tsx api/src/admin/cli.ts seed-demo [--project-ref <ref>]        create (or show) the demo project, as JSON

Tokens are printed once: only their hash is stored.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      email: { type: "string" },
      admin: { type: "boolean", default: false },
      "project-ref": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals.join(" ");
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  const sql = createSql(config.DATABASE_URL, { max: 2 });
  // the admin commands never touch Redis; the client is created unconnected to satisfy ApiDeps
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true });
  const deps: ApiDeps = { config, sql, redis, clock: () => new Date() };
  try {
    await migrate(sql);
    switch (command) {
      case "runner-token create": {
        const token = await createRunnerToken(deps, required(values.name, "--name"));
        console.log(token.token);
        return 0;
      }
      case "user create": {
        const user = await createUser(deps, { email: required(values.email, "--email"), name: values.name, isAdmin: values.admin });
        console.log(JSON.stringify({ id: user.id, email: user.email }));
        return 0;
      }
      case "token create": {
        const email = required(values.email, "--email");
        const user = await selectUserByEmail(sql, email.trim().toLowerCase());
        if (!user) throw new ConfigError(`No user with email ${email}: create one first with \`user create --email ${email}\``);
        const token = await createPersonalAccessToken(deps, user.id, values.name ?? "admin cli");
        console.log(token.token);
        return 0;
      }
      case "seed-demo": {
        console.log(JSON.stringify(await seedDemo(deps, { projectRef: values["project-ref"] }), null, 2));
        return 0;
      }
      default:
        console.error(`Unknown command "${command}"\n\n${USAGE}`);
        return 1;
    }
  } finally {
    redis.disconnect();
    await sql.end({ timeout: 5 });
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new ConfigError(`${flag} is required`);
  return value;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? `error: ${error.message}` : error);
    process.exit(1);
  },
);
