import { envLabel } from "./api.js";
import { selectableEnvironments, useNav } from "./nav.js";

/** Project and environment pickers; preview branches are environments of their own. */
export function Switcher() {
  const nav = useNav();
  const onProject = (ref: string) => {
    const project = nav.info.projects.find((p) => p.ref === ref);
    const envs = project ? selectableEnvironments(project) : [];
    const env = envs.find((e) => e.slug === nav.environment.slug && e.branchName === null) ?? envs[0];
    if (env) nav.selectEnvironment(env.id);
  };
  return (
    <div class="switcher">
      <label>
        <span class="sr-only">Project</span>
        <select aria-label="Project" value={nav.project.ref} onChange={(e) => onProject(e.currentTarget.value)}>
          {nav.info.projects.map((p) => (
            <option value={p.ref}>
              {p.organization.title} / {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span class="sr-only">Environment</span>
        <select aria-label="Environment" value={nav.environment.id} onChange={(e) => nav.selectEnvironment(e.currentTarget.value)}>
          {selectableEnvironments(nav.project).map((e) => (
            <option value={e.id}>{envLabel(e)}</option>
          ))}
        </select>
      </label>
    </div>
  );
}
