import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { session } from "./api.js";
import { RunsPage } from "./runs-page.js";
import { RunPage } from "./run-page.js";
import { TestPage } from "./test-page.js";
import { SignIn } from "./sign-in.js";

function useHashRoute(): string {
  const [hash, setHash] = useState(location.hash || "#/runs");
  useEffect(() => {
    const onChange = () => setHash(location.hash || "#/runs");
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

function App() {
  const route = useHashRoute();
  const [signedIn, setSignedIn] = useState(Boolean(session.key));
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const runMatch = /^#\/runs\/(run_[A-Za-z0-9]+)/.exec(route);
  const page = runMatch ? <RunPage id={runMatch[1]!} /> : route.startsWith("#/test") ? <TestPage /> : <RunsPage />;
  const current = (prefix: string) => (route.startsWith(prefix) ? "page" : undefined);
  return (
    <>
      <header>
        <strong>Gantry</strong>
        <nav aria-label="Main">
          <a href="#/runs" aria-current={current("#/runs")}>Runs</a>
          <a href="#/test" aria-current={current("#/test")}>Test</a>
        </nav>
        <span class="env">
          Environment: <b>{session.environment}</b>{" "}
          <button
            type="button"
            onClick={() => {
              session.signOut();
              setSignedIn(false);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
