import SuperJSON from "superjson";
import type { PacketType } from "../contracts/index.js";

/** A payload or output as it travels: a string and its type. */
export interface Packet {
  data?: string;
  dataType: PacketType;
}

/** Encodes a value the way the official client does: strings raw, undefined as nothing, the rest SuperJSON. */
export function stringifyPacket(value: unknown): Packet {
  if (value === undefined) return { dataType: "application/json" };
  if (typeof value === "string") return { data: value, dataType: "text/plain" };
  return { data: SuperJSON.stringify(value), dataType: "application/super+json" };
}

/** Decodes a payload or output string by its type. */
export function parsePacket(packet: Packet): unknown {
  if (packet.data === undefined) return undefined;
  switch (packet.dataType) {
    case "application/super+json":
      return SuperJSON.parse(packet.data);
    case "application/json":
      return JSON.parse(packet.data);
    case "text/plain":
      return packet.data;
    case "application/store":
      throw new Error(`Offloaded packets (application/store at ${packet.data}) are not supported by this SDK version yet`);
  }
}

/** UTF-8 byte length of a string (what the wire's `payloadSize` counts). */
export function byteLength(value: string | undefined): number {
  return value === undefined ? 0 : new TextEncoder().encode(value).byteLength;
}

/** Payloads and outputs of this many UTF-8 bytes or more travel offloaded (the official client's threshold). */
export const OFFLOAD_THRESHOLD_BYTES = 128 * 1024;

/** What `PUT /api/v2/packets/{path}` answers. */
export interface UploadPacketUrl {
  presignedUrl: string;
  storagePath?: string;
}

/** The part of the API client offloading needs (kept structural so this file stays free of the client's imports). */
export interface PacketClient {
  uploadUrl(filename: string): Promise<UploadPacketUrl>;
  fetch: typeof fetch;
}

/**
 * Offloads a packet of OFFLOAD_THRESHOLD_BYTES or more, as the official client does (wire-format.md §3.3): asks
 * the API for an upload URL, PUTs the data there without auth, and returns `{ data: storagePath, dataType:
 * "application/store" }` to send instead. Smaller packets come back unchanged.
 */
export async function offloadPacket(client: PacketClient, packet: Packet, pathPrefix: string): Promise<Packet> {
  if (packet.data === undefined || byteLength(packet.data) < OFFLOAD_THRESHOLD_BYTES) return packet;
  const extension = packet.dataType === "text/plain" ? "txt" : "json";
  const { presignedUrl, storagePath } = await client.uploadUrl(`${pathPrefix}.${extension}`);
  if (!storagePath) throw new Error("The API's packet upload answer has no storagePath: is it a Gantry (or Trigger.dev v4) API?");
  const response = await client.fetch(presignedUrl, { method: "PUT", headers: { "content-type": packet.dataType }, body: packet.data });
  if (!response.ok) throw new Error(`Uploading a ${byteLength(packet.data)}-byte packet failed: ${response.status} ${await response.text()}`);
  return { data: storagePath, dataType: "application/store" };
}

/**
 * A retrieved run whose payload or output was too large to come inline: downloads `payloadPresignedUrl` /
 * `outputPresignedUrl` (no auth) and decodes them by their content-type, as the official client does.
 */
export async function resolvePresignedPackets<R extends { payload?: unknown; output?: unknown; payloadPresignedUrl?: string; outputPresignedUrl?: string }>(
  run: R,
  fetchFn: typeof fetch,
): Promise<R> {
  const download = async (url: string): Promise<unknown> => {
    const response = await fetchFn(url);
    if (!response.ok) throw new Error(`Downloading a run packet failed: ${response.status} ${await response.text()}`);
    const dataType = (response.headers.get("content-type") ?? "application/json").split(";")[0]!.trim() as PacketType;
    return parsePacket({ data: await response.text(), dataType });
  };
  const [payload, output] = await Promise.all([
    run.payloadPresignedUrl ? download(run.payloadPresignedUrl) : run.payload,
    run.outputPresignedUrl ? download(run.outputPresignedUrl) : run.output,
  ]);
  return { ...run, payload, output };
}
