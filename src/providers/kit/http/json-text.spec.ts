import { parseJsonText } from './json-text';

describe('parseJsonText', () => {
  const large = {
    data: Array.from({ length: 20_000 }, (_, i) => ({ id: `i-${i}`, name: `n ${i}`, nics: [] })),
  };
  const text = JSON.stringify(large);

  it('should give what JSON.parse gives, for small and for large bodies', async () => {
    expect(text.length).toBeGreaterThan(256 * 1024);
    expect(await parseJsonText(text)).toEqual(large);
    expect(await parseJsonText('{"a":[1,"x",null,true]}')).toEqual({ a: [1, 'x', null, true] });
    expect(await parseJsonText('[]')).toEqual([]);
  });

  it('should let other work run while a large body is parsed', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await parseJsonText(text);
    clearInterval(timer);
    // A single JSON.parse would let no timer run at all in between.
    expect(ticks).toBeGreaterThan(0);
  });

  it('should refuse malformed or truncated text with a SyntaxError', async () => {
    await expect(parseJsonText(text.slice(0, text.length - 10))).rejects.toBeInstanceOf(SyntaxError);
    await expect(parseJsonText(`${text.slice(0, 300_000)}}}}`)).rejects.toBeInstanceOf(SyntaxError);
    await expect(parseJsonText('{"a":')).rejects.toBeInstanceOf(SyntaxError);
  });
});
