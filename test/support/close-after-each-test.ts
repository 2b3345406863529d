import { afterEach } from 'vitest';

/** Hands over what a test started, to be closed after it. */
export type CloseLater = (...closers: Array<() => Promise<void>>) => void;

/**
 * Registers, in the calling file (or describe), an afterEach that closes what the test handed over, the last started
 * first; returns the function that hands them over.
 */
export function closeAfterEachTest(): CloseLater {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return (...more) => void closers.push(...more);
}
