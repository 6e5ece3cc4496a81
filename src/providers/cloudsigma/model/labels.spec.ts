import { ValidationError } from '../../../common/errors/gateway-error';
import { type KvObject, parseObject } from '../client/codec';
import { checkLabels, labelFields, labelsOf, relabelFields, sameLabels } from './labels';

// Labels as `user:<key> <value>` lines (docs/providers/cloudsigma.md#labels).

const kv = (text: string): KvObject => parseObject(text);

describe('CloudSigma labels as user: metadata', () => {
  it('should read label-shaped user: lines, an empty value from `""` or a key without value', () => {
    const server = kv(
      [
        'server 6fb2b6a1-2f1b-4c0e-9d7a-0f0b5c1e2d3a',
        'user:env prod',
        'user:flag ""',
        'user:bare',
        'user:path a/b:c@d+e',
        'user:gwtask gwabcdefghij',
        'user:gwimage 7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
        'user:gw0123456789 reserved',
        'user:cloudmux.thing x',
        'user:Owner Team A',
        'user:note two words',
        'use general',
        'tags affinity:ssd',
      ].join('\n'),
    );
    expect(labelsOf(server)).toEqual({ env: 'prod', flag: '', bare: '', path: 'a/b:c@d+e' });
  });

  it('should write labels as user: lines, an empty value as `""`', () => {
    expect(labelFields({ env: 'prod', flag: '' })).toEqual({ 'user:env': 'prod', 'user:flag': '""' });
    expect(labelFields({})).toEqual({});
  });

  it('should set what changed and clear labels no longer wanted, never the gateway keys or other metadata', () => {
    const drive = kv(
      [
        'drive 6fb2b6a1-2f1b-4c0e-9d7a-0f0b5c1e2d3a',
        'user:env prod',
        'user:team a',
        'user:gone x',
        'user:bare',
        'user:gwtask gwabcdefghij',
        'user:Note two words',
      ].join('\n'),
    );
    expect(relabelFields(drive, { env: 'prod', team: 'b', bare: '', added: '' })).toEqual({
      'user:gone': null,
      'user:team': 'b',
      // Present without a value: written as `""` so that it reads back the same everywhere.
      'user:bare': '""',
      'user:added': '""',
    });
    expect(relabelFields(kv('drive x\nuser:env prod\nuser:flag ""'), { env: 'prod', flag: '' })).toEqual({});
    expect(relabelFields(kv('drive x\nuser:gwtask gwabcdefghij'), {})).toEqual({});
  });

  it('should compare label sets', () => {
    expect(sameLabels({ a: '1', b: '' }, { b: '', a: '1' })).toBe(true);
    expect(sameLabels({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameLabels({ a: '1' }, { a: '1', b: '' })).toBe(false);
  });

  it("should refuse label keys that are the gateway's own metadata keys", () => {
    expect(() => checkLabels({ env: 'prod', gwtask: 'x' })).toThrow(ValidationError);
    const refusal = (() => {
      try {
        checkLabels({ gwtask: 'x', gwimage: 'y' });
      } catch (error) {
        return error as ValidationError;
      }
      return null;
    })();
    expect(refusal?.errors).toEqual([
      expect.objectContaining({ field: 'labels', message: expect.stringContaining("'gwtask', 'gwimage'") }),
    ]);
    expect(() => checkLabels({ gw: 'x', gwtasks: 'y' })).not.toThrow();
  });
});
