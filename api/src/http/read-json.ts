import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { z } from "zod";
import { badRequest } from "../errors.js";
import { directBody } from "./body-limit.js";

/**
 * Reads the request body as JSON (an empty body reads as `{}`) and parses it with a contract schema.
 * A zod failure propagates and becomes a 400 naming the field (http/on-error.ts).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await readText(c);
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`Malformed JSON body: ${(error as Error).message}`);
    }
  }
  return schema.parse(value);
}

/**
 * The body as text: straight from Node's request stream when nothing has touched it (body-limit.ts checked its
 * Content-Length), else through Hono. Either way Hono's body cache holds it afterwards, so a later
 * `c.req.text()` / `c.req.json()` reads the same text.
 */
async function readText(c: Context): Promise<string> {
  const incoming = directBody(c);
  if (!incoming || Object.keys(c.req.bodyCache).length > 0) return c.req.text();
  const text = await readIncoming(incoming);
  // Hono keeps the promise of each read body under its method name
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  return text;
}

function readIncoming(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => {
      cleanup();
      const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
      // as the web Request's text() decodes: a leading byte order mark is dropped
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      // closed before the whole body arrived (the client went away)
      if (!incoming.complete) onError(new Error("the request was aborted before its body was read"));
    };
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}
