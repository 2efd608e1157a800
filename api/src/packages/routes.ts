import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { notFound } from "../errors.js";
import { resolvePackageFile } from "./resolve-package.js";

/**
 * `GET /packages/:file`: the npm tarballs of @gantry/sdk and the gantry CLI (on no public registry), e.g.
 * `/packages/gantry-sdk.tgz` (newest) or `/packages/gantry-sdk-0.1.0.tgz`. No auth: they hold no secrets.
 */
export function packagesRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/packages/:file", async (c) => {
    const file = c.req.param("file");
    const dir = c.get("deps").config.GANTRY_PACKAGES_DIR;
    const path = await resolvePackageFile(dir, file);
    if (!path) {
      throw notFound(
        `Package ${file} has not been built: run \`npm start\` (it packs @gantry/sdk and the gantry CLI into ${dir}), or set GANTRY_PACKAGES_DIR to where they are`,
        "file",
      );
    }
    const { size } = await stat(path);
    const stream = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return c.body(stream, 200, {
      "content-type": "application/octet-stream",
      "content-length": String(size),
      "content-disposition": `attachment; filename="${basename(path)}"`,
      "cache-control": "no-cache",
    });
  });
  return app;
}
