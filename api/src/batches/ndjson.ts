import { BatchItemNDJSON } from "@gantry/sdk/contracts";
import { badRequest } from "../errors.js";
import { parseItem, type BatchItemInput } from "./item-runs.js";

/**
 * The items of an NDJSON body (one JSON object per line; blank lines skipped). A line that is not JSON, or not
 * an item, is a 400 naming the line (and the item's index when it has one); nothing is written.
 */
export function parseNdjsonItems(text: string): Array<BatchItemInput & { param: string }> {
  const items: Array<BatchItemInput & { param: string }> = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    const lineNo = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw badRequest(`NDJSON line ${lineNo} is not valid JSON: ${(error as Error).message}`, `line ${lineNo}`);
    }
    const index = (value as { index?: unknown } | null)?.index;
    const param = typeof index === "number" && Number.isInteger(index) && index >= 0 ? `items[${index}]` : `line ${lineNo}`;
    const item = parseItem(BatchItemNDJSON, value, param, ` (NDJSON line ${lineNo})`);
    items.push({ ...item, param });
  }
  return items;
}
