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

/** The offset pagination of `schedules.list`, `queues.list` (`page`/`perPage` → `currentPage`/`totalPages`/`count`). */
export interface OffsetPagination {
  currentPage: number;
  totalPages: number;
  count: number;
}

export interface OffsetPage<T> extends Page<T> {
  pagination: OffsetPagination;
  getNextPage(): Promise<OffsetPage<T>>;
}

/**
 * A list call over offset pages: `fetch(query)` gets one page for the query built from `page` and `perPage`;
 * `what` names the call in the error for asking past the last page.
 */
export function offsetPagedList<T>(
  what: string,
  options: { page?: number; perPage?: number },
  fetch: (query: URLSearchParams) => Promise<{ data: T[]; pagination: OffsetPagination }>,
): Promise<OffsetPage<T>> & AsyncIterable<T> {
  const fetchPage = async (page?: number): Promise<OffsetPage<T>> => {
    const query = new URLSearchParams();
    if (page !== undefined) query.set("page", String(page));
    if (options.perPage !== undefined) query.set("perPage", String(options.perPage));
    const data = await fetch(query);
    const { currentPage, totalPages } = data.pagination;
    return {
      data: data.data,
      pagination: data.pagination,
      hasNextPage: () => currentPage < totalPages,
      getNextPage: () => {
        if (currentPage >= totalPages) throw new Error(`${what}: no next page (check hasNextPage() first)`);
        return fetchPage(currentPage + 1);
      },
    };
  };
  return pagedList(fetchPage(options.page));
}
