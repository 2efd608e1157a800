import { useCallback, useState } from "react";
import { z } from "zod";
import { ApiClient } from "../client/api-client.js";
import { DEFAULT_API_URL } from "../client/config.js";

const CompleteResponse = z.object({ success: z.literal(true) });

/**
 * Completes a waitpoint token from the browser (a token with `write:waitpoints:<id>`).
 *
 * @example
 * const { complete, isCompleted } = useWaitToken(tokenId, { accessToken, baseURL });
 * <button onClick={() => complete({ approved: true })}>Approve</button>
 */
export function useWaitToken<T = unknown>(
  tokenId: string | undefined,
  options: { accessToken: string; baseURL?: string },
): { complete(data: T): Promise<void>; isLoading: boolean; isCompleted: boolean; error: Error | undefined } {
  const [isLoading, setLoading] = useState(false);
  const [isCompleted, setCompleted] = useState(false);
  const [error, setError] = useState<Error>();
  const complete = useCallback(
    async (data: T) => {
      if (!tokenId) throw new Error("useWaitToken: no token id yet");
      setLoading(true);
      setError(undefined);
      try {
        const client = new ApiClient({
          baseURL: options.baseURL ?? DEFAULT_API_URL,
          accessToken: options.accessToken,
          insideTask: false,
          fetch: globalThis.fetch.bind(globalThis),
        });
        await client.request(CompleteResponse, "POST", `/api/v1/waitpoints/tokens/${encodeURIComponent(tokenId)}/complete`, { body: { data } });
        setCompleted(true);
      } catch (e) {
        setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        setLoading(false);
      }
    },
    [tokenId, options.accessToken, options.baseURL],
  );
  return { complete, isLoading, isCompleted, error };
}
