import { expect } from 'vitest';

/** Waits (up to 8 s) until the value matches: the UI renders after debounces, API calls and runs. */
export const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 8000, interval: 100 });
