// For tests: GitHub's OAuth web flow on loopback. The authorize page approves at once as `approveAs` (a code
// in `accounts`); the api then calls POST /login/oauth/access_token, GET /user and GET /user/emails
// (response shapes from GitHub's REST docs). Until the shared GitHub simulator serves these, tests use this.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeGithubAccount {
  id: number;
  login: string;
  name: string;
  emails: Array<{ email: string; primary: boolean; verified: boolean; visibility: string | null }>;
}

export interface FakeGithubOAuth {
  url: string;
  clientId: string;
  clientSecret: string;
  /** code → account */
  accounts: Map<string, FakeGithubAccount>;
  /** the code the authorize page hands back */
  approveAs: string | undefined;
  close(): Promise<void>;
}

export async function startFakeGithubOAuth(): Promise<FakeGithubOAuth> {
  const fake = { clientId: "Iv1.test", clientSecret: "shh", accounts: new Map<string, FakeGithubAccount>(), approveAs: undefined as string | undefined };
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const back = new URL(url.searchParams.get("redirect_uri") ?? "");
      if (url.searchParams.get("client_id") !== fake.clientId) back.searchParams.set("error", "unknown_client");
      else back.searchParams.set("code", fake.approveAs ?? "");
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const body = JSON.parse(raw) as { client_id: string; client_secret: string; code: string };
      if (body.client_id !== fake.clientId || body.client_secret !== fake.clientSecret) return send(200, { error: "incorrect_client_credentials" });
      if (!fake.accounts.has(body.code)) return send(200, { error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
      return send(200, { access_token: `gho_${body.code}`, token_type: "bearer", scope: "read:user,user:email" });
    }
    const account = fake.accounts.get((req.headers.authorization ?? "").replace(/^Bearer gho_/, ""));
    if (!account) return send(401, { message: "Bad credentials" });
    if (url.pathname === "/user") return send(200, { id: account.id, login: account.login, name: account.name, type: "User" });
    if (url.pathname === "/user/emails") return send(200, account.emails);
    return send(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** The api env that points Sign in with GitHub at the fake. */
export const fakeGithubOAuthEnv = (fake: FakeGithubOAuth): Record<string, string> => ({
  GANTRY_GITHUB_OAUTH_CLIENT_ID: fake.clientId,
  GANTRY_GITHUB_OAUTH_CLIENT_SECRET: fake.clientSecret,
  GANTRY_GITHUB_OAUTH_URL: fake.url,
  GANTRY_GITHUB_OAUTH_API_URL: fake.url,
});
