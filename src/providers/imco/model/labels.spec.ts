import { labelProblem } from '../../../domain/labels';
import { taskMarker } from '../../ports/markers';
import type { ImLabel } from '../client/wire.types';
import {
  decodeLabel,
  encodeLabel,
  gatewayLabel,
  IMCO_LABEL_NAME,
  type LabelIndex,
  labelChanges,
  labelsOf,
} from './labels';

// Gateway labels as IMCO label names (docs/providers/imco.md#labels): one documented form, read back only when
// a name is exactly what the encoding writes.

const index = (...labels: ImLabel[]): LabelIndex => new Map(labels.map((label) => [label.id, label]));

describe('IMCO label names', () => {
  it('should write a key alone, or the key, one space and the escaped value', () => {
    expect(encodeLabel('env', '')).toBe('env');
    expect(encodeLabel('env', 'prod')).toBe('env prod');
    expect(encodeLabel('owner', 'ops@example.com')).toBe('owner ops_aexample.com');
    expect(encodeLabel('repo', 'git:org/app+x_y')).toBe('repo git_corg_sapp_px__y');
    expect(encodeLabel('v', '1.2.3-RC')).toBe('v 1.2.3-RC');
  });

  it("should keep to the characters IMCO's CLI takes, and read every label back as it was", () => {
    const samples: Array<[string, string]> = [
      ['a', ''],
      ['team.web_1-x', 'A-z.0_9:/@+'],
      ['k', '__'],
      ['k', '_c'],
      ['k', ':'.repeat(128)],
      ['k'.repeat(63), '+'.repeat(128)],
    ];
    for (const [key, value] of samples) {
      expect(labelProblem({ [key]: value })).toBeNull();
      const name = encodeLabel(key, value);
      expect(name).toMatch(IMCO_LABEL_NAME);
      expect(decodeLabel(name)).toEqual([key, value]);
    }
  });

  it('should read names the encoding does not write as no gateway label', () => {
    for (const name of [
      'Web Servers', // upper case: no key
      'env ', // a space, then nothing
      'env  prod', // two spaces
      'env pr od', // a space in the value
      'env prod_x', // an escape that does not exist
      'env prod_', // an escape cut short
      '-env', // a key must start with a letter or digit
      'env pr=od',
      '',
    ])
      expect(decodeLabel(name)).toBeNull();
    expect(decodeLabel('production')).toEqual(['production', '']);
  });

  it("should never show IMCO's own labels nor the gateway's markers", () => {
    expect(gatewayLabel({ id: '1', name: 'env prod' })).toEqual(['env', 'prod']);
    expect(gatewayLabel({ id: '2', name: 'env prod', namespace: 'cat:deployment' })).toBeNull();
    expect(gatewayLabel({ id: '3', name: taskMarker('01J0000000000000000ABCDEFGH') })).toBeNull();
    expect(gatewayLabel({ id: '4', name: 'cloudmux.x' })).toBeNull();
    expect(gatewayLabel({ id: '5' })).toBeNull();
    expect(gatewayLabel(undefined)).toBeNull();
  });
});

describe('IMCO labels of a resource', () => {
  const labels = index(
    { id: 'L1', name: 'env prod' },
    { id: 'L2', name: 'env dev' },
    { id: 'L3', name: 'tier' },
    { id: 'M', name: 'gwabcdefgh00' },
    { id: 'F', name: 'Web Servers' },
    { id: 'N', name: 'team', namespace: 'cat:deployment' },
  );

  it('should decode label_ids, first name of a key winning, others and unknown ids left out', () => {
    expect(labelsOf(['L1', 'L3', 'M', 'F', 'N', 'gone'], labels)).toEqual({ env: 'prod', tier: '' });
    expect(labelsOf(['L1', 'L2'], labels)).toEqual({ env: 'dev' });
    expect(labelsOf(null, labels)).toEqual({});
  });

  it('should take off only gateway labels and put on the names missing', () => {
    const changes = labelChanges(['L1', 'L2', 'M', 'F', 'N', 'gone'], labels, {
      env: 'prod',
      owner: 'a@b',
      gwzzzzzzzzzz: '',
    });
    expect(changes.remove.map((label) => label.id)).toEqual(['L2']);
    expect(changes.add).toEqual(['owner a_ab']);
    expect(labelChanges(['L1', 'L1'], labels, {})).toEqual({ remove: [labels.get('L1')], add: [] });
    expect(labelChanges(['L1', 'M'], labels, { env: 'prod' })).toEqual({ remove: [], add: [] });
  });
});
