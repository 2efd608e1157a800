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
