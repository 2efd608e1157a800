import { useState } from "preact/hooks";
import { api, session } from "./api.js";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    session.signIn(key);
    try {
      await api("/api/v1/runs?page[size]=1");
      onSignedIn();
    } catch (e) {
      session.signOut();
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <main class="center">
      <h1>Gantry</h1>
      <p class="muted">Sign in with an environment's secret key (npm start prints them and writes them to .gantry/demo.json).</p>
      <form onSubmit={submit}>
        <label>
          Secret key
          <input type="password" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="tr_prod_…" autoFocus required />
        </label>
        <p>
          <button type="submit">Sign in</button>
        </p>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </main>
  );
}
