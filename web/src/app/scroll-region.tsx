import type { ComponentChildren, Ref } from "preact";

/**
 * A scrolling block (a log, a payload, a trace) as a named, focusable region: keyboard users can reach it to
 * scroll it, and screen readers announce what it holds (a name on a bare `<pre>` is not announced reliably).
 */
export function ScrollRegion({ label, children, regionRef, testId }: { label: string; children: ComponentChildren; regionRef?: Ref<HTMLDivElement>; testId?: string }) {
  return (
    <div class="scroll" role="region" aria-label={label} tabIndex={0} ref={regionRef} data-testid={testId}>
      {children}
    </div>
  );
}
