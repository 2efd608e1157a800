/**
 * Probot's Octokit retries primary rate limits but gives up on secondary ones (403 "secondary rate limit",
 * 429). GitHub says when to come back (`retry-after`, or `x-ratelimit-reset`): wait that long and retry, a few
 * times, so a burst of reports slows down instead of failing.
 */
type RequestWrapper = (request: (options: any) => Promise<any>, options: any) => Promise<any>;
// loose on purpose: Octokit's hook types differ between its versions
interface HookedOctokit {
  hook: { wrap: (...args: any[]) => unknown };
}

const MAX_RETRIES = 3;
const MAX_WAIT_S = 120;
const marked = new WeakSet<object>();

function waitSeconds(error: { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } }): number | null {
  const secondary = (error.status === 403 && /secondary rate/i.test(error.message ?? "")) || error.status === 429;
  if (!secondary) return null;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - Date.now() / 1000));
  return 60;
}

export function honourSecondaryRateLimits<T extends HookedOctokit>(octokit: T, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): T {
  if (marked.has(octokit)) return octokit;
  marked.add(octokit);
  const wrapper: RequestWrapper = async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const wait = waitSeconds(error as never);
        if (wait === null || attempt >= MAX_RETRIES || wait > MAX_WAIT_S) throw error;
        await sleep(wait * 1000);
      }
    }
  };
  octokit.hook.wrap("request", wrapper);
  return octokit;
}
