import { z } from "zod";

/** `PUT /api/v2/packets/{path}` (upload) and `GET /api/v1/packets/{path}`, `/api/v1/runs/{id}/packets/{field}` (download). */
export const PacketUrlResponse = z.object({
  presignedUrl: z.string(),
  /** on the upload answer: what to trigger with as the `application/store` payload */
  storagePath: z.string().optional(),
});
export type PacketUrlResponse = z.infer<typeof PacketUrlResponse>;
