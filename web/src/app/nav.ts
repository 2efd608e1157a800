import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Environment, Project, SessionInfo } from "./api.js";

/** Who is signed in and which project and environment the pages act in. */
export interface Nav {
  info: SessionInfo;
  project: Project;
  environment: Environment;
  selectEnvironment(id: string): void;
  /** reloads the session (projects, environments, current versions) */
  reload(): Promise<void>;
}

export const NavContext = createContext<Nav | null>(null);

export function useNav(): Nav {
  const nav = useContext(NavContext);
  if (!nav) throw new Error("useNav outside the signed-in app");
  return nav;
}

/** Environments a page can act in: every top-level one but the preview parent (it acts through its branches). */
export const selectableEnvironments = (project: Project): Environment[] =>
  project.environments.filter((e) => !(e.slug === "preview" && e.branchName === null));

/** The stored choice if it still exists, else prod of the first project, else anything. */
export function pickEnvironment(info: SessionInfo, storedId: string | null): { project: Project; environment: Environment } | null {
  for (const project of info.projects) {
    const env = selectableEnvironments(project).find((e) => e.id === storedId);
    if (env) return { project, environment: env };
  }
  for (const project of info.projects) {
    const envs = selectableEnvironments(project);
    const env = envs.find((e) => e.slug === "prod") ?? envs[0];
    if (env) return { project, environment: env };
  }
  return null;
}

/** The `:env` path segment and branch query the project-scoped endpoints take. */
export function envPath(environment: Environment): { slug: string; branchQuery: string; branchHeader: Record<string, string> } {
  return {
    slug: environment.slug,
    branchQuery: environment.branchName ? `branch=${encodeURIComponent(environment.branchName)}` : "",
    branchHeader: environment.branchName ? { "x-trigger-branch": environment.branchName } : {},
  };
}
