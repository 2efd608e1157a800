import { LIMITS } from "@gantry/sdk/contracts";
import { readBodyLimited } from "../http/read-body-limited.js";
import type { ApiDeps } from "../context.js";
import { ApiError, badRequest, notFound, tooLarge } from "../errors.js";
import { presignedUrl, verifyPresigned, type PacketTarget } from "./signing.js";
import { selectPacket, selectPacketSize, selectPackets, selectRunField, upsertPacket, type StoredPacket } from "./queries/packets.js";

/** The official client offloads payloads and outputs of this many bytes or more (its OFFLOAD_IO_PACKET_LENGTH_LIMIT). */
export const OFFLOAD_THRESHOLD_BYTES = 128 * 1024;
/** The largest packet an upload may store: the largest output (a payload packet is held to the 3 MB payload limit at trigger). */
export const PACKET_MAX_BYTES = LIMITS.outputBytes;
export const STORE_TYPE = "application/store";

const CONTENT_TYPES = ["application/json", "application/super+json", "text/plain"] as const;

/** A storage path as the client names it ("<prefix>/payload.json"): any text, 1-1024 characters, no NUL. */
export function validPacketPath(path: string, param = "path"): string {
  if (path.length < 1 || path.length > 1024 || path.includes("\0")) {
    throw badRequest("A packet path must be 1-1024 characters, e.g. trigger/packet_abc/payload.json", param);
  }
  return path;
}

/** PUT /api/v2/packets/:path: where to upload the packet (no auth), and the path to trigger with. */
export function createUploadUrl(deps: ApiDeps, environmentId: string, path: string): { presignedUrl: string; storagePath: string } {
  validPacketPath(path);
  const target: PacketTarget = { kind: "packet", method: "PUT", environmentId, path };
  return { presignedUrl: presignedUrl(deps.config, target, deps.clock().getTime()), storagePath: path };
}

/** GET /api/v1/packets/:path: where to download a stored packet of this environment (404 if there is none). */
export async function createDownloadUrl(deps: ApiDeps, environmentId: string, path: string): Promise<{ presignedUrl: string }> {
  validPacketPath(path);
  if ((await selectPacketSize(deps.sql, environmentId, path)) === undefined) throw notFound(`No packet stored at ${path}`, "path");
  return { presignedUrl: presignedUrl(deps.config, { kind: "packet", method: "GET", environmentId, path }, deps.clock().getTime()) };
}

/** GET /api/v1/runs/:runId/packets/:field: where to download a run's payload or output (404 if it has none). */
export async function createRunFieldUrl(deps: ApiDeps, environmentId: string, runId: string, field: string): Promise<{ presignedUrl: string }> {
  if (field !== "payload" && field !== "output") throw badRequest("field must be payload or output", "field");
  const row = await selectRunField(deps.sql, runId, field);
  if (!row || row.environment_id !== environmentId) throw notFound(`Run ${runId} not found in this environment`, "runId");
  if (row.data === null) throw notFound(`Run ${runId} has no ${field}`, "field");
  return { presignedUrl: presignedUrl(deps.config, { kind: "run", method: "GET", runId, field }, deps.clock().getTime()) };
}

function checkSigned(deps: ApiDeps, target: PacketTarget, query: { expires?: string; signature?: string }): void {
  const verdict = verifyPresigned(deps.config, target, query, deps.clock().getTime());
  if (verdict === "expired") throw new ApiError(403, "forbidden", "This presigned URL has expired: ask the API for a new one", "expires");
  if (verdict === "invalid") throw new ApiError(403, "forbidden", "This presigned URL's signature does not match: use the URL exactly as the API returned it", "signature");
}

/** The packet's type from the upload's content-type (parameters ignored); the official client sends its dataType. */
export function uploadContentType(header: string | undefined): string {
  const type = (header ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "") return "application/json";
  if (!(CONTENT_TYPES as readonly string[]).includes(type)) {
    throw badRequest(`Unsupported packet content-type "${type}": use one of ${CONTENT_TYPES.join(", ")}`, "content-type");
  }
  return type;
}

/** PUT on a presigned packet URL: stores the body. Over PACKET_MAX_BYTES: 413, nothing stored. */
export async function putSignedPacket(
  deps: ApiDeps,
  target: { environmentId: string; path: string },
  query: { expires?: string; signature?: string },
  contentTypeHeader: string | undefined,
  body: ReadableStream<Uint8Array> | null,
): Promise<void> {
  checkSigned(deps, { kind: "packet", method: "PUT", ...target }, query);
  const contentType = uploadContentType(contentTypeHeader);
  const content = await readBodyLimited(body, PACKET_MAX_BYTES, `Packet exceeds ${PACKET_MAX_BYTES} bytes (10 MB, the largest output)`);
  await upsertPacket(deps.sql, { ...target, content, contentType });
}

/** GET on a presigned packet URL. */
export async function getSignedPacket(
  deps: ApiDeps,
  target: { environmentId: string; path: string },
  query: { expires?: string; signature?: string },
): Promise<StoredPacket> {
  checkSigned(deps, { kind: "packet", method: "GET", ...target }, query);
  const packet = await selectPacket(deps.sql, target.environmentId, target.path);
  if (!packet) throw notFound(`No packet stored at ${target.path}`, "path");
  return packet;
}

/** GET on a presigned run field URL: the run's payload or output, an offloaded one fetched from its packet. */
export async function getSignedRunField(
  deps: ApiDeps,
  target: { runId: string; field: "payload" | "output" },
  query: { expires?: string; signature?: string },
): Promise<StoredPacket> {
  checkSigned(deps, { kind: "run", method: "GET", ...target }, query);
  const row = await selectRunField(deps.sql, target.runId, target.field);
  if (!row || row.data === null) throw notFound(`Run ${target.runId} has no ${target.field}`, "field");
  if (row.type === STORE_TYPE) {
    const packet = await selectPacket(deps.sql, row.environment_id, row.data);
    if (!packet) throw notFound(`The ${target.field} packet of run ${target.runId} is gone`, "field");
    return packet;
  }
  return { content: Buffer.from(row.data, "utf8"), content_type: row.type ?? "application/json" };
}

/**
 * A trigger with `payloadType: "application/store"`: the packet must have been uploaded to this environment,
 * and is held to the payload limit. 400/413 naming `param`, before anything is written.
 */
export async function assertStoredPayload(deps: ApiDeps, environmentId: string, path: string, param = "payload"): Promise<void> {
  validPacketPath(path, param);
  const size = await selectPacketSize(deps.sql, environmentId, path);
  if (size === undefined) {
    throw badRequest(`No packet was uploaded at ${path}: PUT /api/v2/packets/<path>, upload to its presignedUrl, then trigger`, param);
  }
  if (size > LIMITS.payloadBytes) throw tooLarge(`Payload is ${size} bytes; the limit is ${LIMITS.payloadBytes} bytes (3 MB)`, param);
}

/**
 * The start path: runs whose payload is an offloaded packet get the packet's content and type, one statement
 * for all of them. Runs with inline payloads (nearly all) cost nothing: no statement at all.
 */
export async function resolveStoredPayloads<R extends { environment_id: string; payload: string | null; payload_type: string }>(
  deps: ApiDeps,
  rows: R[],
): Promise<void> {
  const stored = rows.filter((r) => r.payload_type === STORE_TYPE && r.payload !== null);
  if (stored.length === 0) return;
  const packets = await selectPackets(deps.sql, stored.map((r) => ({ environmentId: r.environment_id, path: r.payload! })));
  for (const row of stored) {
    const packet = packets.get(`${row.environment_id}\0${row.payload}`);
    // a packet deleted after the trigger leaves the run to fail parsing its payload, with the path in the error
    if (!packet) continue;
    row.payload = packet.content.toString("utf8");
    row.payload_type = packet.content_type;
  }
}

/**
 * What retrieve answers for a run's payload and output: inline when small, a presigned URL (the official client
 * downloads it without auth and decodes it by content-type) when offloaded or at least OFFLOAD_THRESHOLD_BYTES.
 */
export function presentRunPacket(
  deps: ApiDeps,
  row: { id: string; environment_id: string },
  field: "payload" | "output",
  data: string | null,
  type: string | null,
): { inline: true } | { inline: false; presignedUrl: string } {
  if (data === null) return { inline: true };
  const nowMs = deps.clock().getTime();
  if (type === STORE_TYPE) {
    return { inline: false, presignedUrl: presignedUrl(deps.config, { kind: "packet", method: "GET", environmentId: row.environment_id, path: data }, nowMs) };
  }
  // string length first: a cheap lower bound on the UTF-8 size
  if (data.length >= OFFLOAD_THRESHOLD_BYTES || Buffer.byteLength(data, "utf8") >= OFFLOAD_THRESHOLD_BYTES) {
    return { inline: false, presignedUrl: presignedUrl(deps.config, { kind: "run", method: "GET", runId: row.id, field }, nowMs) };
  }
  return { inline: true };
}
