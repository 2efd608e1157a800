/** A page of a list call, able to fetch the one after it. */
export interface Page<T> {
  data: T[];
  hasNextPage(): boolean;
  getNextPage(): Promise<Page<T>>;
}

/**
 * A list call's result: await it for the first page, or `for await` it to walk every item across pages.
 * Rejections surface where the caller awaits or iterates (never as an unhandled rejection).
 */
export function pagedList<P extends Page<T>, T>(first: Promise<P>): Promise<P> & AsyncIterable<T> {
  first.catch(() => undefined);
  return Object.assign(first, {
    async *[Symbol.asyncIterator]() {
      let page: Page<T> = await first;
      for (;;) {
        yield* page.data;
        if (!page.hasNextPage()) return;
        page = await page.getNextPage();
      }
    },
  });
}
