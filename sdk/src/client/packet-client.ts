import { PacketUrlResponse } from "../contracts/index.js";
import type { ApiClient } from "./api-client.js";
import type { PacketClient } from "./packets.js";

/** Offloading through an API client: its auth and retries for the presign call, its fetch for the upload. */
export function packetClient(client: ApiClient): PacketClient {
  return {
    uploadUrl: async (filename) =>
      (await client.request(PacketUrlResponse, "PUT", `/api/v2/packets/${encodeURIComponent(filename)}`)).data,
    fetch: client.options.fetch,
  };
}

/** A storage path prefix like the official client's: `trigger/packet_<random>/payload`. */
export function packetPathPrefix(kind: "payload" | "output" = "payload"): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `trigger/packet_${random}/${kind}`;
}
