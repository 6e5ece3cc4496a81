import { NotFoundError, ProviderError, ValidationError } from '../../../common/errors/gateway-error';
import type { ImcoClient } from '../client/http.client';
import type { ImcoContext } from './context';
import { LabelBook, labelIdOf, labelIdsFor } from './labels';

// The label calls of creates and reads against a scripted IMCO; the contract suite drives relabels against the
// simulator.

type Label = { id: string; name: string; namespace?: string | null };

function scripted(labels: Label[], onCreate: (name: string) => Promise<unknown>) {
  const calls: string[] = [];
  const client = {
    list: async () => (calls.push('GET /labels'), labels.map((l) => ({ ...l }))),
    send: async (_method: string, _path: string, _operation: string, body: { name: string }) => {
      calls.push(`POST /labels ${body.name}`);
      return onCreate(body.name);
    },
  } as unknown as ImcoClient;
  return { calls, ctx: { client } as unknown as ImcoContext, client };
}

describe('IMCO labels of creates', () => {
  it('should find the labels that exist (never a namespaced one) and make the others, in one list', async () => {
    const labels: Label[] = [
      { id: 'L1', name: 'env prod' },
      { id: 'N1', name: 'tier', namespace: 'cat:deployment' },
    ];
    const { calls, ctx } = scripted(labels, async (name) => ({ id: `new-${name}` }));
    expect(await labelIdsFor(ctx, { env: 'prod', tier: '', gw0123456789: '' })).toEqual(['L1', 'new-tier']);
    expect(calls).toEqual(['GET /labels', 'POST /labels tier']);
    expect(await labelIdsFor(ctx, {})).toEqual([]);
    expect(calls).toHaveLength(2);
  });

  it('should take a label another task made meanwhile (name taken), and report any other refusal', async () => {
    const labels: Label[] = [];
    const taken = scripted(labels, async (name) => {
      labels.push({ id: 'L2', name });
      throw new ValidationError('has already been taken');
    });
    expect(await labelIdOf(taken.ctx, 'env prod')).toBe('L2');
    const refused = scripted([], async () => Promise.reject(new ValidationError('is invalid')));
    await expect(labelIdOf(refused.ctx, 'env prod')).rejects.toBeInstanceOf(ValidationError);
  });

  it('should refuse labels where IMCO has no labels API', async () => {
    const none = {
      client: { list: async () => Promise.reject(new NotFoundError('no route')) },
    } as unknown as ImcoContext;
    await expect(labelIdsFor(none, { env: 'prod' })).rejects.toBeInstanceOf(ProviderError);
    await expect(labelIdsFor(none, {})).resolves.toEqual([]);
  });
});

describe('IMCO label book', () => {
  it('should share one call among overlapping reads, and read again afterwards', async () => {
    const { calls, client } = scripted([{ id: 'L1', name: 'env prod' }], async () => null);
    const book = new LabelBook(client);
    const [a, b] = await Promise.all([book.index(), book.index()]);
    expect(a).toBe(b);
    expect(a.get('L1')).toMatchObject({ name: 'env prod' });
    await book.index();
    expect(calls).toEqual(['GET /labels', 'GET /labels']);
  });

  it('should read no labels where IMCO has no labels API, and leave out a label that fails its checks', async () => {
    const none = new LabelBook({
      list: async () => Promise.reject(new NotFoundError('no route')),
    } as unknown as ImcoClient);
    expect((await none.index()).size).toBe(0);
    const odd = new LabelBook({
      list: async () => [{ id: 'L1', name: 'ok' }, { id: 'L2', name: 7 }, null],
    } as unknown as ImcoClient);
    expect([...(await odd.index()).keys()]).toEqual(['L1']);
  });
});
