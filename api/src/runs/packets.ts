import superjson from "superjson";
import { LIMITS, type PacketType } from "@gantry/sdk/contracts";
import { badRequest, tooLarge } from "../errors.js";

export interface Packet {
  data: string | undefined;
  type: PacketType;
}

/**
 * A trigger's payload as stored: the string the SDK sent (SuperJSON, JSON or text per payloadType), or any
 * other JSON value from a plain HTTP caller, stored as JSON. Over 3 MB → 413. An offloaded payload
 * (`application/store`) is its packet's storage path; its size is checked against the stored packet at trigger.
 */
export function payloadPacket(payload: unknown, payloadType: PacketType | undefined, param = "payload"): Packet {
  let packet: Packet;
  if (payload === undefined || payload === null) packet = { data: undefined, type: payloadType ?? "application/json" };
  // a string without payloadType comes from a plain HTTP caller: it is the value itself (SDKs always say the type)
  else if (typeof payload === "string") packet = { data: payload, type: payloadType ?? "text/plain" };
  else packet = { data: JSON.stringify(payload), type: "application/json" };
  if (packet.type === "application/store" || payloadType === "application/store") {
    // the storage path of a packet uploaded first (PUT /api/v2/packets/…); the trigger checks it exists (packets/service.ts)
    if (typeof payload !== "string" || payload.length === 0 || payload.length > 1024) {
      throw badRequest("An application/store payload is the storagePath PUT /api/v2/packets/<path> answered (1-1024 characters)", param);
    }
    return packet;
  }
  if (packet.data !== undefined) {
    const bytes = Buffer.byteLength(packet.data, "utf8");
    if (bytes > LIMITS.payloadBytes) {
      throw tooLarge(`Payload is ${bytes} bytes; the limit is ${LIMITS.payloadBytes} bytes (3 MB)`, param);
    }
    if (packet.type === "application/json" || packet.type === "application/super+json") {
      try {
        JSON.parse(packet.data);
      } catch {
        throw badRequest(`payload is not valid JSON for payloadType ${packet.type}`, param);
      }
    }
  }
  return packet;
}

/** Decodes a stored payload or output for a JSON response (SuperJSON's JSON value, JSON parsed, text as is). */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value.values()];
  return value;
}

export function decodePacket(data: string | null, type: string | null): unknown {
  if (data === null) return undefined;
  try {
    switch (type) {
      case "application/super+json":
        // revive first (so an `undefined` property is absent, as the reference answers), then bring what JSON
        // cannot carry back to JSON: Dates as ISO strings, BigInts as strings, Maps as entries, Sets as arrays
        return JSON.parse(JSON.stringify(superjson.parse(data), jsonSafe));
      case "text/plain":
        return data;
      default:
        return JSON.parse(data);
    }
  } catch {
    return data;
  }
}
