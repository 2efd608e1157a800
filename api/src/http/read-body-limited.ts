import { tooLarge } from "../errors.js";

/**
 * Reads a request body up to `maxBytes`, failing with 413 (`tooLargeMessage`, param `body`) as soon as it grows
 * past it, so an oversized upload is never held in memory whole.
 */
export async function readBodyLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number, tooLargeMessage: string): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(tooLargeMessage, "body");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
