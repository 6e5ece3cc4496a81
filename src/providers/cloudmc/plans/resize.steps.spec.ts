import { ValidationError } from '../../../common/errors/gateway-error';
import type { CmInstance } from '../client/wire';
import { hasTarget, validateResize } from './resize.steps';

const fieldOf = (run: () => void) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors?.[0]?.field;
  }
  return undefined;
};

describe('CloudMC server resize', () => {
  it('should take a plan, cores and memory together, or both; refuse the rest naming the field', () => {
    expect(fieldOf(() => validateResize({ planId: 'p' }))).toBeUndefined();
    expect(fieldOf(() => validateResize({ cpuCores: 2, memoryMb: 2048 }))).toBeUndefined();
    expect(fieldOf(() => validateResize({ planId: 'p', cpuCores: 2, memoryMb: 2048 }))).toBeUndefined();
    expect(fieldOf(() => validateResize({ cpuCores: 2 }))).toBe('memoryMb');
    expect(fieldOf(() => validateResize({ memoryMb: 2048 }))).toBe('cpuCores');
    expect(fieldOf(() => validateResize({}))).toBe('planId');
  });

  it('should see the target reached by offering, and by size for a custom one', () => {
    const instance = {
      id: 'i',
      name: 'n',
      computeOfferingId: 'custom',
      cpuCount: 2,
      memoryInMB: 2048,
    } as CmInstance;
    expect(hasTarget(instance, { computeOfferingId: 'custom', cpuCount: 2, memoryInMB: 2048 })).toBe(true);
    expect(hasTarget(instance, { computeOfferingId: 'custom', cpuCount: 4, memoryInMB: 2048 })).toBe(false);
    expect(hasTarget(instance, { computeOfferingId: 'fixed' })).toBe(false);
    expect(hasTarget({ ...instance, computeOfferingId: 'fixed' }, { computeOfferingId: 'fixed' })).toBe(true);
  });
});
