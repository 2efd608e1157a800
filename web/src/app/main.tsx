import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, session, type SessionInfo } from "./api.js";
import { AlertsPage } from "./alerts-page.js";
import { ApiKeysPage } from "./api-keys-page.js";
import { BranchesPage } from "./branches-page.js";
import { DeploymentsPage } from "./deployments-page.js";
import { EnvVarsPage } from "./envvars-page.js";
import { GitHubPage } from "./github-page.js";
import { NavContext, pickEnvironment, type Nav } from "./nav.js";
import { QueuesPage } from "./queues-page.js";
import { RunPage } from "./run-page.js";
import { RunsPage } from "./runs-page.js";
import { SchedulesPage } from "./schedules-page.js";
import { SignIn } from "./sign-in.js";
import { Switcher } from "./switcher.js";
import { TasksPage } from "./tasks-page.js";

function useHashRoute(): string {
  const [hash, setHash] = useState(location.hash || "#/runs");
  useEffect(() => {
    const onChange = () => setHash(location.hash || "#/runs");
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

const PAGES: Array<{ hash: string; label: string; short?: string; key: string }> = [
  { hash: "#/runs", label: "Runs", key: "r" },
  { hash: "#/tasks", label: "Tasks", key: "t" },
  { hash: "#/deployments", label: "Deployments", key: "d" },
  { hash: "#/branches", label: "Preview branches", short: "Branches", key: "b" },
  { hash: "#/schedules", label: "Schedules", key: "s" },
  { hash: "#/queues", label: "Queues", key: "q" },
  { hash: "#/envvars", label: "Environment variables", short: "Env vars", key: "e" },
  { hash: "#/api-keys", label: "API keys", key: "k" },
  { hash: "#/alerts", label: "Alerts", key: "a" },
  { hash: "#/github", label: "GitHub", key: "h" },
];

/** `g` then a page's key jumps there (outside form fields). */
function useShortcuts() {
  useEffect(() => {
    let pending = false;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.metaKey || e.ctrlKey || e.altKey || target?.closest("input, textarea, select, [contenteditable]")) return;
      if (pending) {
        pending = false;
        const page = PAGES.find((p) => p.key === e.key);
        if (page) location.hash = page.hash;
      } else if (e.key === "g") {
        pending = true;
        setTimeout(() => (pending = false), 1500);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}

/** The tab's title for a route: the page's name, the run's id on a run page. */
function pageTitle(route: string): string {
  const run = /^#\/runs\/(run_[A-Za-z0-9]+)/.exec(route);
  const page = run ? `Run ${run[1]}` : (PAGES.find((p) => route.startsWith(p.hash))?.label ?? "Runs");
  return `${page} · Gantry`;
}

/**
 * On a route change (not the first load) focus moves to the new page's h1, so a screen reader announces it and
 * Tab continues from the page, not from the link that was followed. Pages load their data first, so this waits
 * for the h1 to appear.
 */
function useRouteFocus(route: string) {
  const first = useRef(true);
  useEffect(() => {
    document.title = pageTitle(route);
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById("content");
    if (!main) return;
    const focusHeading = () => {
      const h1 = main.querySelector<HTMLElement>("h1");
      if (!h1) return false;
      h1.tabIndex = -1;
      h1.focus();
      return true;
    };
    if (focusHeading()) return;
    const observer = new MutationObserver(() => focusHeading() && observer.disconnect());
    observer.observe(main, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [route.split("?")[0]]);
}

function App() {
  const route = useHashRoute();
  const [info, setInfo] = useState<SessionInfo | null | undefined>(undefined);
  const [environmentId, setEnvironmentId] = useState(session.environmentId);
  useShortcuts();
  useRouteFocus(route);
  // links from outside (an alert's dashboardUrl) name the environment: `#/runs/run_…?env=<environment id>`
  const linkedEnv = new URLSearchParams(route.split("?")[1] ?? "").get("env");
  useEffect(() => {
    if (linkedEnv && linkedEnv !== environmentId) setEnvironmentId(linkedEnv);
  }, [linkedEnv]);

  const reload = useCallback(async () => {
    try {
      const next = await api<SessionInfo>("/api/v1/dashboard/session");
      session.csrfToken = next.csrfToken;
      setInfo(next);
    } catch {
      setInfo(null);
    }
  }, []);
  useEffect(() => {
    void reload();
    const onSignedOut = () => setInfo(null);
    addEventListener("gantry:signed-out", onSignedOut);
    return () => removeEventListener("gantry:signed-out", onSignedOut);
  }, [reload]);

  if (info === undefined) return <p class="muted center">Loading…</p>;
  if (info === null) return <SignIn onSignedIn={() => void reload()} />;
  const picked = pickEnvironment(info, linkedEnv ?? environmentId);
  if (!picked) {
    return (
      <main class="center" id="content">
        <h1>No projects yet</h1>
        <p>You are not a member of any organization with a project. Create one with <code>gantry init</code>.</p>
      </main>
    );
  }
  if (session.environmentId !== picked.environment.id) session.environmentId = picked.environment.id;
  const nav: Nav = {
    info,
    project: picked.project,
    environment: picked.environment,
    selectEnvironment(id) {
      session.environmentId = id;
      setEnvironmentId(id);
    },
    reload,
  };

  const runMatch = /^#\/runs\/(run_[A-Za-z0-9]+)/.exec(route);
  const page = runMatch ? (
    <RunPage id={runMatch[1]!} />
  ) : route.startsWith("#/tasks") ? (
    <TasksPage />
  ) : route.startsWith("#/deployments") ? (
    <DeploymentsPage />
  ) : route.startsWith("#/branches") ? (
    <BranchesPage />
  ) : route.startsWith("#/schedules") ? (
    <SchedulesPage />
  ) : route.startsWith("#/queues") ? (
    <QueuesPage />
  ) : route.startsWith("#/envvars") ? (
    <EnvVarsPage />
  ) : route.startsWith("#/api-keys") ? (
    <ApiKeysPage />
  ) : route.startsWith("#/alerts") ? (
    <AlertsPage />
  ) : route.startsWith("#/github") ? (
    <GitHubPage />
  ) : (
    <RunsPage />
  );
  const current = (prefix: string) => (route.startsWith(prefix) ? "page" : undefined);
  const signOut = async () => {
    await api("/api/v1/dashboard/sign-out", { method: "POST" }).catch(() => {});
    setInfo(null);
  };
  return (
    <NavContext.Provider value={nav}>
      <a class="skip" href="#content" onClick={(e) => (e.preventDefault(), document.getElementById("content")?.focus())}>
        Skip to content
      </a>
      <header>
        <strong>Gantry</strong>
        <Switcher />
        <nav aria-label="Main">
          {PAGES.map((p) => (
            <a href={p.hash} aria-current={current(p.hash)} aria-keyshortcuts={`g ${p.key}`} title={`${p.label} (g then ${p.key})`}>
              {p.short ?? p.label}
            </a>
          ))}
        </nav>
        <span class="env">
          <span class="muted">{info.user.email}</span>{" "}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="content" tabIndex={-1} key={picked.environment.id}>
        {page}
      </main>
    </NavContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
