import { readFileSync } from "node:fs";

/**
 * The platform's SDK version: what `sdk/package.json` says (the tarball the api serves is built from it).
 * A deployment built with another @gantry/sdk version is refused, as the reference's deploy does.
 */
export const PLATFORM_SDK_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../../sdk/package.json", import.meta.url), "utf8")) as { version: string }
).version;
