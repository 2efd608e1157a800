import cronstrue from "cronstrue";

/** A cron in words, as the reference's `generator.description` ("At 08:00 AM"); "" if it cannot say. */
export function describeCron(expression: string): string {
  try {
    return cronstrue.toString(expression, { throwExceptionOnParseError: true, verbose: false });
  } catch {
    return "";
  }
}
