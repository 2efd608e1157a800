import { useState } from "preact/hooks";
import { errorText } from "./api.js";

/**
 * A page's writes: `act(label, fn)` runs fn, then shows label and runs `after` (refresh what changed), or
 * shows the API's error (with the field it names) in the page's status line.
 */
export function useAction(after: () => unknown) {
  const [message, setMessage] = useState<string | null>(null);
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage(label);
      await after();
    } catch (e) {
      setMessage(errorText(e));
    }
  };
  return { message, act };
}
