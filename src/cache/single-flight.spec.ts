import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('should run the work once when callers overlap', async () => {
    const flight = new SingleFlight();
    let calls = 0;
    let release!: (v: number) => void;
    const work = () => {
      calls++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const a = flight.run('k', work);
    const b = flight.run('k', work);
    release(42);
    await expect(Promise.all([a, b])).resolves.toEqual([42, 42]);
    expect(calls).toBe(1);
    expect(flight.size).toBe(0);
  });

  it('should run again after the first call settled, also after a failure', async () => {
    const flight = new SingleFlight();
    await expect(flight.run('k', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(flight.run('k', () => Promise.resolve(2))).resolves.toBe(2);
  });
});
