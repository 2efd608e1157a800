import { describe, expect, it } from "vitest";
import superjson from "superjson";
import { decodePacket, payloadPacket } from "./packets.js";

describe("payload packets", () => {
  it("stores what SDKs send as is, and plain HTTP values as JSON or text", () => {
    const sj = superjson.stringify({ at: new Date(0) });
    expect(payloadPacket(sj, "application/super+json")).toEqual({ data: sj, type: "application/super+json" });
    expect(payloadPacket({ a: 1 }, undefined)).toEqual({ data: '{"a":1}', type: "application/json" });
    expect(payloadPacket("123", undefined)).toEqual({ data: "123", type: "text/plain" });
    expect(payloadPacket(undefined, undefined)).toEqual({ data: undefined, type: "application/json" });
  });

  it("refuses a payload that does not match its type, or is over 3 MB", () => {
    expect(() => payloadPacket("{nope", "application/json")).toThrow(/not valid JSON/);
    expect(() => payloadPacket("x".repeat(3 * 1024 * 1024 + 1), "text/plain")).toThrow(/limit is 3145728 bytes/);
  });

  it("an offloaded payload (application/store) is its storage path, not parsed; anything else there is refused", () => {
    expect(payloadPacket("trigger/packet_a/payload.json", "application/store")).toEqual({
      data: "trigger/packet_a/payload.json",
      type: "application/store",
    });
    expect(() => payloadPacket({ a: 1 }, "application/store")).toThrow(/storagePath/);
    expect(() => payloadPacket("p".repeat(1025), "application/store")).toThrow(/1-1024/);
  });

  it("decodes for a JSON response: SuperJSON's JSON value (BigInts too), JSON parsed, text as is", () => {
    const decoded = decodePacket(superjson.stringify({ at: new Date(0), big: 10n }), "application/super+json");
    expect(JSON.parse(JSON.stringify(decoded))).toEqual({ at: "1970-01-01T00:00:00.000Z", big: "10" });
    expect(decodePacket('{"a":1}', "application/json")).toEqual({ a: 1 });
    expect(decodePacket("hi", "text/plain")).toBe("hi");
    expect(decodePacket(null, "application/json")).toBeUndefined();
  });
});
