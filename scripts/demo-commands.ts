// The requests `npm start` prints as curl lines for the examples/ project, kept in one place so
// test/examples.test.ts sends exactly what a user pastes.

/** One plain-HTTP request against the api, authenticated with an environment's secret key. */
export interface DemoRequest {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
}

const order = (orderId: string, customerId: string, skus: string[], packMs = 1000) => ({
  orderId,
  customerId,
  items: skus.map((sku, i) => ({ sku, quantity: i + 1 })),
  packMs,
});

/** The demo's requests; ids the user has to fill in default to a `<placeholder>`. */
export const demoRequests = {
  helloWorld: (): DemoRequest => ({ method: "POST", path: "/api/v1/tasks/hello-world/trigger", body: { payload: { name: "Ada" } } }),
  readRun: (runId = "<run id>"): DemoRequest => ({ method: "GET", path: `/api/v3/runs/${runId}` }),
  /** one order of 4 items: its children pack 2 at a time (the fulfilment queue's limit per customer) */
  processOrder: (): DemoRequest => ({
    method: "POST",
    path: "/api/v1/tasks/process-order/trigger",
    body: { payload: order("ord_1001", "cus_ada", ["mug", "tee", "cap", "pin"]) },
  }),
  /** one request, three runs: two customers' orders (packed side by side, 2 at a time each) and a summary */
  batch: (): DemoRequest => ({
    method: "POST",
    path: "/api/v1/tasks/batch",
    body: {
      items: [
        { task: "process-order", payload: order("ord_1002", "cus_ada", ["mug", "tee", "cap"]) },
        { task: "process-order", payload: order("ord_2001", "cus_bob", ["pen", "pad", "ink"]) },
        { task: "summarize", payload: { text: "Gantry runs your background tasks on your own machines. It retries, waits and schedules them." } },
      ],
    },
  }),
  /** a run that waits until someone completes its token (metadata.tokenId) */
  approveRefund: (): DemoRequest => ({
    method: "POST",
    path: "/api/v1/tasks/approve-refund/trigger",
    body: { payload: { orderId: "ord_1001", amountCents: 1999 } },
  }),
  completeToken: (tokenId = "<token id>"): DemoRequest => ({
    method: "POST",
    path: `/api/v1/waitpoints/tokens/${tokenId}/complete`,
    body: { output: { approved: true, note: "approved by Ada" } },
  }),
};

/** The request as a curl command a user can paste (indented continuation lines, as `npm start` prints). */
export function toCurl(apiUrl: string, secretKey: string, request: DemoRequest, indent = "  "): string {
  const auth = `-H "Authorization: Bearer ${secretKey}"`;
  if (request.method === "GET") return `${indent}curl -s ${apiUrl}${request.path} ${auth}`;
  return [
    `${indent}curl -s -X POST ${apiUrl}${request.path} \\`,
    `${indent}  ${auth} -H "Content-Type: application/json" \\`,
    `${indent}  -d '${JSON.stringify(request.body ?? {})}'`,
  ].join("\n");
}

/** Sends the request as the curl line would; answers the status and the parsed JSON body. */
export async function sendDemoRequest(apiUrl: string, secretKey: string, request: DemoRequest): Promise<{ status: number; body: any }> {
  const response = await fetch(`${apiUrl}${request.path}`, {
    method: request.method,
    headers: { authorization: `Bearer ${secretKey}`, ...(request.method === "POST" ? { "content-type": "application/json" } : {}) },
    body: request.method === "POST" ? JSON.stringify(request.body ?? {}) : undefined,
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}
