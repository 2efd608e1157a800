/**
 * The version of `@gantry/sdk`, sent as `trigger-version` on every API request and recorded with each
 * deployment (the platform refuses a deploy whose SDK version differs from its own).
 *
 * @example
 * import { SDK_VERSION } from "@gantry/sdk";
 * console.log(`built with @gantry/sdk ${SDK_VERSION}`);
 */
export const SDK_VERSION = "0.1.0";
