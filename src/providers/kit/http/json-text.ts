import { JSONParser } from '@streamparser/json';

/** Bodies from this size on are parsed in slices, yielding to the event loop between two. */
const INCREMENTAL_FROM_CHARS = 256 * 1024;
/** One slice: a few milliseconds of parsing at most on a small machine. */
const SLICE_CHARS = 16 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * JSON text of a backend answer, parsed without stalling the process: `JSON.parse` for small bodies, an
 * incremental parser fed slice by slice for large ones (a 13 MB list took ~190 ms in one `JSON.parse`, during
 * which no other request was served). Throws a SyntaxError on malformed text, like `JSON.parse`.
 */
export async function parseJsonText(text: string): Promise<unknown> {
  if (text.length < INCREMENTAL_FROM_CHARS) return JSON.parse(text) as unknown;
  const parser = new JSONParser({ paths: ['$'], keepStack: false });
  let root: unknown;
  let done = false;
  parser.onValue = ({ value, stack }) => {
    if (stack.length === 0) {
      root = value;
      done = true;
    }
  };
  try {
    for (let start = 0; start < text.length; start += SLICE_CHARS) {
      parser.write(text.slice(start, start + SLICE_CHARS));
      await yieldToEventLoop();
    }
    if (!parser.isEnded) parser.end();
  } catch (error) {
    throw new SyntaxError(`Malformed JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!done) throw new SyntaxError('Malformed JSON: the text ended before the value did.');
  return root;
}
