/** One page: its items and the token of the next page (undefined on the last page). */
export interface Page<T> {
  items: T[];
  next?: string | number;
}

/** Fetches the page that `token` designates (undefined: the first page). */
export type PageFetcher<T> = (token: string | number | undefined) => Promise<Page<T>>;

/**
 * An IBM-style pager (`hasNext()`, `getNext()`, `getAll()`) that is also async-iterable, item by
 * item. It holds one page at a time: iterating over a million items costs the memory of one page.
 */
export class Pager<T> implements AsyncIterable<T> {
  private token: string | number | undefined;
  private started = false;
  private finished = false;

  constructor(private readonly fetchPage: PageFetcher<T>) {}

  hasNext(): boolean {
    return !this.finished;
  }

  /** The next page of items. */
  async getNext(): Promise<T[]> {
    if (this.finished) throw new Error('No more results available');
    const page = await this.fetchPage(this.started ? this.token : undefined);
    this.started = true;
    const repeated = page.next !== undefined && page.next === this.token;
    this.token = page.next;
    // Stop on a missing token, an empty page or a token that does not move (a server bug would loop).
    this.finished = page.next === undefined || page.next === '' || page.items.length === 0 || repeated;
    return page.items;
  }

  /** Every remaining item, in one array: for small collections; iterate over large ones. */
  async getAll(): Promise<T[]> {
    const all: T[] = [];
    while (this.hasNext()) for (const item of await this.getNext()) all.push(item);
    return all;
  }

  /** The remaining pages, one at a time. */
  async *pages(): AsyncGenerator<T[]> {
    while (this.hasNext()) yield await this.getNext();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (this.hasNext()) yield* await this.getNext();
  }
}
