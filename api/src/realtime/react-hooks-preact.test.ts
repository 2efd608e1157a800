import { h, render } from "preact";
import { act } from "preact/test-utils";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configure, tasks, type Task } from "@gantry/sdk";
import { useRealtimeRun } from "@gantry/sdk/react";
import { client, deployTasks } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { publishRunChanges } from "./publish.js";

// The hooks as a Preact app uses them: "react" is preact/compat (the alias Preact's docs prescribe), rendered by
// Preact itself into a tiny DOM stand-in (node has no DOM; the component renders text only).
vi.mock("react", async () => await import("preact/compat"));

let api: TestApi;
type Resize = Task<"resize", { url: string }, { width: number }>;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  await deployTasks(client(api.url), api.seed.environments.prod.apiKey, [{ id: "resize" }]);
  configure({ secretKey: api.seed.environments.prod.apiKey, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
});

afterAll(async () => {
  configure({});
  await api?.close();
});

/** Just enough of the DOM for Preact to render elements and text into. */
class FakeNode {
  childNodes: FakeNode[] = [];
  parentNode: FakeNode | null = null;
  attributes: Record<string, string> = {};
  style: Record<string, string> = {};
  namespaceURI = "http://www.w3.org/1999/xhtml";
  constructor(
    readonly nodeType: number,
    readonly localName: string,
    public data = "",
  ) {}
  get nodeName(): string {
    return this.localName.toUpperCase();
  }
  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }
  get nextSibling(): FakeNode | null {
    const siblings = this.parentNode?.childNodes ?? [];
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }
  get textContent(): string {
    return this.nodeType === 3 ? this.data : this.childNodes.map((c) => c.textContent).join("");
  }
  insertBefore(node: FakeNode, before: FakeNode | null): FakeNode {
    node.parentNode?.removeChild(node);
    const at = before ? this.childNodes.indexOf(before) : -1;
    if (at < 0) this.childNodes.push(node);
    else this.childNodes.splice(at, 0, node);
    node.parentNode = this;
    return node;
  }
  appendChild(node: FakeNode): FakeNode {
    return this.insertBefore(node, null);
  }
  removeChild(node: FakeNode): FakeNode {
    this.childNodes.splice(this.childNodes.indexOf(node), 1);
    node.parentNode = null;
    return node;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
  setAttribute(name: string, value: string): void {
    this.attributes[name] = String(value);
  }
  removeAttribute(name: string): void {
    delete this.attributes[name];
  }
  addEventListener(): void {}
  removeEventListener(): void {}
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await act(() => new Promise<void>((r) => setTimeout(r, 25)));
  expect(check()).toBe(true);
}

describe("@gantry/sdk/react through preact/compat", () => {
  it("useRealtimeRun renders a run's status live to completion", async () => {
    const g = globalThis as { document?: unknown };
    const hadDocument = "document" in g;
    g.document ??= {
      createElement: (name: string) => new FakeNode(1, name),
      createElementNS: (_ns: string, name: string) => new FakeNode(1, name),
      createTextNode: (text: string) => new FakeNode(3, "#text", String(text)),
    };
    const root = new FakeNode(1, "div");
    // the hooks module resolves "react" to Preact's
    expect((await import("react")).useState).toBe((await import("preact/compat")).useState);
    try {
      const handle = await tasks.trigger<Resize>("resize", { url: "p" });
      let state: ReturnType<typeof useRealtimeRun<Resize>> | undefined;
      function Status() {
        state = useRealtimeRun<Resize>(handle.id, { accessToken: handle.publicAccessToken, baseURL: api.url });
        return h("p", null, state.run ? `${state.run.status}:${state.run.output?.width ?? "-"}` : "loading");
      }
      await act(() => render(h(Status, null), root as never));
      await waitFor(() => root.textContent === "QUEUED:-");
      await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now(), output = '{"json":{"width":320}}', output_type = 'application/super+json' where id = ${handle.id}`;
      publishRunChanges(api.deps, [{ runId: handle.id, environmentId: api.seed.environments.prod.id }]);
      await waitFor(() => root.textContent === "COMPLETED:320");
      expect(state!.error).toBeUndefined();
      expect(root.childNodes[0]!.localName).toBe("p");
      await act(() => render(null, root as never));
      expect(root.textContent).toBe("");
    } finally {
      if (!hadDocument) delete g.document;
    }
  });
});
