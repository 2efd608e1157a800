import { metadata, streams, task } from "@gantry/sdk";

/** The summary's words as they are written: read them live with `summaryStream.read(runId)` or the dashboard. */
export const summaryStream = streams.define<string>({ id: "summary" });

/** Stands in for an LLM's streaming answer: yields the words it was given, one at a time. */
async function* fakeModel(words: string[], delayMs: number): AsyncGenerator<string> {
  for (const word of words) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield `${word} `;
  }
}

/**
 * Summarizes a text (here: its first sentence), streaming the summary word by word (realtime streams) and
 * reporting progress in the run's metadata, as an LLM task would.
 */
export const summarize = task({
  id: "summarize",
  run: async (payload: { text: string; delayMs?: number }) => {
    const firstSentence = payload.text.split(/(?<=[.!?])\s/)[0] ?? "";
    const words = firstSentence.split(/\s+/).filter(Boolean);
    metadata.set("progress", 0);
    const { stream, waitUntilComplete } = summaryStream.pipe(fakeModel(words, payload.delayMs ?? 50));
    let summary = "";
    let written = 0;
    for await (const chunk of stream) {
      summary += chunk;
      metadata.set("progress", ++written / words.length);
    }
    await waitUntilComplete();
    await metadata.flush(); // the last progress value is stored before the run completes
    return { summary: summary.trim(), words: written };
  },
});
