// Real Chromium for the dashboard tests: Debian's `chromium` driven by playwright-core (never a downloaded browser).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
export const SCREENSHOTS = join(ROOT, "test-output/screenshots");
const EXECUTABLE = "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: EXECUTABLE,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  } catch (error) {
    throw new Error(`Could not start ${EXECUTABLE}: install it with \`apt-get install -y chromium\` (${String(error)})`);
  }
}

/** A laptop-sized page that fails the test on any uncaught page error. */
export async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 820 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("dialog", (dialog) => void dialog.accept());
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Form controls and buttons a screen reader could not name (no label, aria-label or text): should be none. */
export async function unlabeledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href]"))) {
      if (el.closest("[hidden]") || (el as HTMLInputElement).type === "hidden") continue;
      const labelled =
        (el as HTMLInputElement).labels?.length ||
        el.getAttribute("aria-label") ||
        el.getAttribute("aria-labelledby") ||
        (el.tagName === "BUTTON" || el.tagName === "A" ? el.textContent?.trim() : "");
      if (!labelled) problems.push(el.outerHTML.slice(0, 120));
    }
    return problems;
  });
}

/**
 * Stops the page's own timers so its polling cannot update it: installs playwright's fake clock (reloading the
 * page so every timer is fake), pauses it, and returns `stepUntil`, which moves page time 20 ms a step (enough for
 * frames and preact's effects) while real time passes, until `done` holds. Page time stays under `budgetMs`, below
 * the dashboard's shortest poll (1.5 s), so what changes meanwhile came over realtime. `resume` lets time flow again.
 */
export async function pauseTimers(page: Page, budgetMs = 1400) {
  await page.clock.install();
  await page.reload();
  await page.waitForLoadState("domcontentloaded");
  let spentMs = 0;
  let paused = false;
  return {
    /** freezes time from now on (call once the page shows what the step loop starts from) */
    async pause() {
      await page.clock.pauseAt(Date.now() + 1000);
      // let what was already due (a render's effects, their loads) finish before the test changes anything
      await page.clock.runFor(100);
      spentMs += 100;
      await new Promise((r) => setTimeout(r, 500));
      paused = true;
    },
    async stepUntil(what: string, done: () => Promise<boolean>) {
      if (!paused) throw new Error("pauseTimers: call pause() first");
      while (spentMs < budgetMs) {
        await page.clock.runFor(20);
        spentMs += 20;
        if (await done()) return;
        await new Promise((r) => setTimeout(r, 400));
      }
      throw new Error(`${what}: not within ${spentMs} ms of page time (polling never ran, so realtime did not deliver it)`);
    },
    resume: () => page.clock.resume(),
  };
}
