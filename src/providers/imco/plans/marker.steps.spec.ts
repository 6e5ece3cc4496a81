import { NeedsAttentionError, NotFoundError, ValidationError } from '../../../common/errors/gateway-error';
import { taskMarker } from '../../ports/markers';
import type { StepContext } from '../../ports/operation-plan';
import {
  BEFORE_KEY,
  LABEL_KEY,
  LABELS_KEY,
  adoptCreated,
  ensureMarkerLabel,
  withMarker,
} from './marker.steps';
import type { ImcoContext } from './context';

const step = (state: Record<string, unknown>): StepContext => ({
  taskId: 'T',
  nativeId: null,
  state,
  polls: 0,
  stepStartedAt: 0,
  resumed: true,
});

function contextWith(labels: Array<{ id: string; name: string }>, send: () => Promise<unknown>): ImcoContext {
  return { client: { list: async () => labels, send } } as unknown as ImcoContext;
}

describe('IMCO create markers', () => {
  const taskId = '01J0000000000000000ABCDEFGH';

  it("should find the task's label, or make it", async () => {
    const sent: unknown[] = [];
    const make = async () => (sent.push('POST'), { id: 'new' });
    expect(
      await ensureMarkerLabel(contextWith([{ id: 'L1', name: 'gwabcdefgh00' }], make), '01J00ABCDEFGH00'),
    ).toBe('L1');
    expect(await ensureMarkerLabel(contextWith([], make), taskId)).toBe('new');
    expect(sent).toHaveLength(1);
  });

  it('should take the label a dead run made (name taken) and do without labels where IMCO has none', async () => {
    const labels: Array<{ id: string; name: string }> = [];
    const taken = contextWith(labels, async () => {
      labels.push({ id: 'L2', name: taskMarker(taskId) });
      throw new ValidationError('taken');
    });
    expect(await ensureMarkerLabel(taken, taskId)).toBe('L2');
    const none = {
      client: { list: async () => Promise.reject(new NotFoundError('no labels')) },
    } as unknown as ImcoContext;
    expect(await ensureMarkerLabel(none, taskId)).toBeNull();
  });

  it('should add the marker to the caller labels once', () => {
    expect(withMarker(step({ [LABEL_KEY]: 'L1' }), ['a', 'L1'])).toEqual(['a', 'L1']);
    expect(withMarker(step({ [LABEL_KEY]: null }), undefined)).toBeUndefined();
    // The labels that carry the caller's gateway labels go with them.
    expect(withMarker(step({ [LABEL_KEY]: 'L1', [LABELS_KEY]: ['G1', 'a'] }), ['a'])).toEqual([
      'a',
      'G1',
      'L1',
    ]);
  });

  it('should adopt the one resource with the label, or by name among new ids, and never guess', async () => {
    const items = [
      { id: 'a', name: 'web', label_ids: ['L1'] },
      { id: 'b', name: 'web', label_ids: [] },
      { id: 'c', name: 'web' },
    ];
    const list = async () => items;
    expect(await adoptCreated(step({ [LABEL_KEY]: 'L1' }), 'servers', list, 'web')).toBe('a');
    expect(await adoptCreated(step({ [LABEL_KEY]: 'L9' }), 'servers', list, 'web')).toBeNull();
    expect(
      await adoptCreated(step({ [LABEL_KEY]: null, [BEFORE_KEY]: ['a', 'b'] }), 'servers', list, 'web'),
    ).toBe('c');
    await expect(adoptCreated(step({ [BEFORE_KEY]: ['a'] }), 'servers', list, 'web')).rejects.toBeInstanceOf(
      NeedsAttentionError,
    );
  });
});
