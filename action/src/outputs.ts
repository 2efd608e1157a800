import * as core from "@actions/core";
import type { DeploymentInfo } from "@gantry/sdk/contracts";

/** The step's outputs; `deploymentVersion` repeats `deployment-version` under the reference's name. */
export function setDeploymentOutputs(deployment: Pick<DeploymentInfo, "id" | "version" | "dashboardUrl">): void {
  core.setOutput("deployment-version", deployment.version);
  core.setOutput("deploymentVersion", deployment.version);
  core.setOutput("deployment-id", deployment.id);
  core.setOutput("deployment-url", deployment.dashboardUrl);
}
