import { Type } from '@sinclair/typebox';
import { markedName, unmarkedName } from '../ports/markers';
import { cleanText, mapListed, mapOne, wireType } from './wire';

const Item = wireType(
  'test item',
  Type.Object({
    id: Type.String({ maxLength: 64 }),
    name: Type.String(),
    size: Type.Optional(Type.Number()),
  }),
);
const toResource = (raw: { id: string; name: string; size?: number }) => {
  if (raw.size === -1) throw new TypeError('size out of range');
  return { nativeId: raw.id, name: raw.name, providerState: null as string | null };
};

describe('wire checks', () => {
  it('should leave out malformed or unmappable items with a reason, and keep the others', async () => {
    const answer = [
      { id: 'a', name: 'one' },
      null,
      { id: 'b' },
      { id: 'c', name: 'three', size: 'big' },
      { id: 'd', name: 'four', size: -1 },
      { id: 'e', name: 'five' },
    ];
    const { items, skipped } = await mapListed(answer, Item, toResource, { maxItems: 100 });
    expect(items.map((i) => i.nativeId)).toEqual(['a', 'e']);
    expect(skipped).toEqual([
      { nativeId: null, reason: expect.stringContaining('not a test item') },
      { nativeId: 'b', reason: expect.stringMatching(/not a test item: \/name/) },
      { nativeId: 'c', reason: expect.stringMatching(/\/size/) },
      { nativeId: 'd', reason: 'test item not mappable: size out of range' },
    ]);
  });

  it('should refuse an answer that is not a list as the backend fault (502)', async () => {
    await expect(mapListed({ data: null }, Item, toResource, { maxItems: 10 })).rejects.toMatchObject({
      status: 502,
      code: 'provider_error',
    });
  });

  it('should map at most maxItems, and say how many the backend sent', async () => {
    const answer = Array.from({ length: 1_000 }, (_, i) => ({ id: `i${i}`, name: `n${i}` }));
    const { items, skipped } = await mapListed(answer, Item, toResource, { maxItems: 250 });
    expect(items).toHaveLength(250);
    expect(skipped).toEqual([
      { nativeId: null, reason: expect.stringContaining('answered 1000 test item items') },
    ]);
  });

  it('should clean and bound the names backends send', async () => {
    const { items } = await mapListed(
      [{ id: 'x', name: `web\u0000-1\u001b[31m\ufffd ${'y'.repeat(1_000)}` }],
      Item,
      toResource,
      { maxItems: 10 },
    );
    expect(items[0].name).toMatch(/^web-1\[31m y+…$/);
    expect(items[0].name).toHaveLength(255);
    expect(cleanText('  ok  ')).toBe('ok');
  });

  it('should keep the task marker whole at the end of a name it cuts, so the core can still remove it', async () => {
    const marked = markedName(`${'n'.repeat(300)} `, '01JTASKID0000000000000000A');
    const { items } = await mapListed([{ id: 'x', name: marked }], Item, toResource, { maxItems: 10 });
    expect(items[0].name).toMatch(/^n+…-gw[0-9a-z]{10}$/);
    expect(unmarkedName(items[0].name)).toHaveLength(255);
    const spaced = await mapListed([{ id: 'y', name: markedName('web ', 'T0000000000') }], Item, toResource, {
      maxItems: 10,
    });
    expect(unmarkedName(spaced.items[0].name)).toBe('web');
  });

  it('should answer 502 for a single malformed item', () => {
    expect(() => mapOne({ id: 7 }, Item, toResource)).toThrow(
      expect.objectContaining({
        code: 'provider_error',
        message: expect.stringContaining('malformed test item'),
      }),
    );
    expect(mapOne({ id: 'ok', name: 'fine' }, Item, toResource)).toMatchObject({ nativeId: 'ok' });
  });
});
