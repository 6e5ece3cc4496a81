import type { AuditFigures } from './crash-audit';

/** What every crash phase must show, whatever was killed. */
export function expectNothingLostOrDuplicated(figures: AuditFigures, minTasks: number): void {
  // The workload ran (a phase that accepted nothing would prove nothing).
  expect(figures.accepted).toBeGreaterThanOrEqual(Math.floor(minTasks / 2));
  expect(figures.lost).toEqual([]);
  expect(figures.unclaimed).toEqual([]);
  expect(figures.duplicates).toEqual([]);
  expect(figures.missing).toEqual([]);
  expect(figures.nameMismatches).toEqual([]);
  expect(figures.gaveUp).toBe(0);
  // "Needs attention" is the honest answer only where a create cannot tell what it made, and must stay rare.
  for (const item of figures.needsAttention) expect(item.operation).toMatch(/\.create$/);
  expect(figures.needsAttention.length).toBeLessThanOrEqual(Math.ceil(figures.accepted * 0.05));
}
