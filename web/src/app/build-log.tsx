import { useEffect, useRef, useState } from "preact/hooks";
import { ScrollRegion } from "./scroll-region.js";
import { api, errorText } from "./api.js";

interface LogTail {
  logs: string;
  nextOffset: number;
  final: boolean;
  build?: { status: string };
}

/**
 * A build log that follows the build while it runs: polls `path?offset=n` for what was appended since, until the
 * build is final. `path` is a dashboard logs endpoint (a GitHub build's, or a deployment's).
 */
export function BuildLog({ path, label }: { path: string; label: string }) {
  const [text, setText] = useState("");
  const [final, setFinal] = useState(false);
  const [status, setStatus] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stopped = false;
    let offset = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setText("");
    setFinal(false);
    const tick = async () => {
      try {
        const tail = await api<LogTail>(`${path}?offset=${offset}`);
        if (stopped) return;
        offset = tail.nextOffset;
        if (tail.logs) setText((t) => t + tail.logs);
        setStatus(tail.build?.status);
        setError(null);
        if (tail.final) {
          setFinal(true);
          return;
        }
      } catch (e) {
        if (stopped) return;
        setError(errorText(e));
      }
      timer = setTimeout(tick, 1000);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path]);

  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div class="build-log">
      <p class="muted small" aria-live="polite">
        {label}
        {status ? ` · ${status}` : ""}
        {final ? "" : " · following…"}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <ScrollRegion label={`Log of ${label}`} regionRef={pre}>
        <pre data-testid="build-log">{text || (final ? "(no log output)" : "Waiting for output…")}</pre>
      </ScrollRegion>
    </div>
  );
}
