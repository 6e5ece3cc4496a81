import type { ConnectionConfig } from '../config/gateway-config';
import { ProviderKind } from '../domain/states';
import { Connection } from '../providers/registry/connection';
import { checkDeadline, deadlineCeiling, defaultDeadline } from './deadline-limits';

const tasks = { defaultDeadlineSeconds: 1800, maxDeadlineSeconds: 86_400 };

function connection(settings: Partial<ConnectionConfig> = {}): Connection {
  return new Connection(
    { name: 'cm', kind: ProviderKind.Cloudmc, plans: {}, probe: () => Promise.resolve() },
    { name: 'cm', kind: 'cloudmc', ...settings } as ConnectionConfig,
  );
}

describe('deadline limits', () => {
  it('should take the gateway-wide ceiling and default when the connection sets none', () => {
    const plain = connection();
    expect(deadlineCeiling(plain, 'server.create', tasks)).toBe(86_400);
    expect(defaultDeadline(plain, 'server.create', tasks)).toBe(1800);
  });

  it("should take the connection's own ceiling and default of the operation", () => {
    const tuned = connection({ maxDeadlines: { 'server.create': 600 }, deadlines: { 'server.create': 300 } });
    expect(deadlineCeiling(tuned, 'server.create', tasks)).toBe(600);
    expect(defaultDeadline(tuned, 'server.create', tasks)).toBe(300);
    expect(deadlineCeiling(tuned, 'server.stop', tasks)).toBe(86_400);
  });

  it('should never put the ceiling below the deadline the operator configured', () => {
    const odd = connection({ maxDeadlines: { 'server.create': 60 }, deadlines: { 'server.create': 900 } });
    expect(deadlineCeiling(odd, 'server.create', tasks)).toBe(900);
  });

  it('should accept 1..ceiling and nothing when none is asked', () => {
    const tuned = connection({ maxDeadlines: { 'server.stop': 120 } });
    expect(checkDeadline(tuned, 'server.stop', undefined, tasks)).toBeUndefined();
    expect(checkDeadline(tuned, 'server.stop', 1, tasks)).toBe(1);
    expect(checkDeadline(tuned, 'server.stop', 120, tasks)).toBe(120);
  });

  it.each([0, -5, 121, 1.5])('should refuse %p with 400 naming deadlineSeconds and the ceiling', (asked) => {
    const tuned = connection({ maxDeadlines: { 'server.stop': 120 } });
    expect(() => checkDeadline(tuned, 'server.stop', asked, tasks)).toThrow(
      expect.objectContaining({
        status: 400,
        message: expect.stringContaining('120'),
        errors: [
          expect.objectContaining({ field: 'deadlineSeconds', message: expect.stringContaining('120') }),
        ],
      }),
    );
  });
});
