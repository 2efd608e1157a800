import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "./api.js";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  // a failed GitHub sign-in comes back as /#sign-in-error=<message>
  const [error, setError] = useState<string | null>(() => {
    const match = /^#sign-in-error=(.*)$/.exec(location.hash);
    return match ? decodeURIComponent(match[1]!) : null;
  });
  const [busy, setBusy] = useState(false);
  const [github, setGithub] = useState(false);
  useEffect(() => {
    api<{ github: boolean }>("/api/v1/dashboard/auth-methods")
      .then((m) => setGithub(m.github))
      .catch(() => {});
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/api/v1/dashboard/sign-in", { method: "POST", body: { email, password } });
      onSignedIn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="center" id="content">
      <h1>Sign in to Gantry</h1>
      <p class="muted">
        Self-hosting? <code>npm start</code> prints the admin account and keeps it in <code>.gantry/demo.json</code>.
      </p>
      <form onSubmit={submit} aria-describedby={error ? "sign-in-error" : undefined}>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} autoFocus required />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        <p>
          <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        </p>
        {error && <p class="error" role="alert" id="sign-in-error">{error}</p>}
      </form>
      {github && (
        <p>
          <a class="button" href="/api/v1/dashboard/github/authorize">Sign in with GitHub</a>
        </p>
      )}
    </main>
  );
}
