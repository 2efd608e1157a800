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
