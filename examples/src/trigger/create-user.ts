import { schemaTask } from "@gantry/sdk";
import { z } from "zod";

/** A schemaTask: the payload is validated before every run; a bad payload fails at once, without retries. */
export const createUser = schemaTask({
  id: "create-user",
  schema: z.object({
    name: z.string().min(1),
    email: z.string().email(),
    age: z.number().int().min(0).optional(),
  }),
  run: async (user) => {
    return { id: `user_${user.name.toLowerCase()}`, ...user, createdAt: new Date() };
  },
});
