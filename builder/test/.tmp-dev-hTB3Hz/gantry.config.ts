import { defineConfig } from "@gantry/sdk";
import { additionalFiles } from "@gantry/builder/extensions";

export default defineConfig({
  project: "proj_builderfixture",
  dirs: ["src/trigger"],
  maxDuration: 60,
  build: {
    external: ["superjson"],
    extensions: [
      additionalFiles({ files: ["./data/*.txt"] }),
      {
        name: "layer-writer",
        onBuildComplete(context) {
          context.addLayer({ id: "layer-writer", files: [{ source: "data/greeting.txt", destination: "copied" }] });
        },
      },
    ],
  },
});
