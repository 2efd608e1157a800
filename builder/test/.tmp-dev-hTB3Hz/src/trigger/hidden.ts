import { task } from "@gantry/sdk";

// Not exported: found because task() registers it, not because of an export.
function register() {
  return task({ id: "hidden-task", run: async () => "hidden" });
}
register();
