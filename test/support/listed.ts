import type { Listed } from '../../src/providers/ports/ports';

/** The items of an adapter's list answer (`port.list().then(items)`), for tests that look only at those. */
export const items = <R>(answer: Listed<R>): R[] => answer.items;
