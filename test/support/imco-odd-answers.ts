import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { sim } from './gateway';

// Odd but well-formed IMCO answers for the contract suite (issue 12): the simulator's `body` fault answers the
// next matching requests with them in place of the real answer.

/** Answers the next `count` requests `method path` (a regular expression) with `answer`, as JSON or exact bytes. */
export async function answerNext(
  handle: SimulatorHandle,
  method: string,
  path: string,
  answer: unknown,
  count = 1,
): Promise<void> {
  await sim(handle, 'POST', '/faults', {
    action: 'body',
    method,
    path,
    count,
    ...(Buffer.isBuffer(answer) ? { bodyBase64: answer.toString('base64') } : { body: answer }),
  });
}

/**
 * The JSON text of `value` as bytes, with the string `placeholder` (quotes included) replaced by `raw` bytes:
 * what JSON.stringify cannot write, such as invalid UTF-8 inside a string.
 */
export function jsonWithBytes(value: unknown, placeholder: string, raw: Buffer): Buffer {
  const text = JSON.stringify(value);
  const at = text.indexOf(JSON.stringify(placeholder));
  if (at < 0) throw new Error(`no ${placeholder} in the value`);
  return Buffer.concat([
    Buffer.from(text.slice(0, at)),
    raw,
    Buffer.from(text.slice(at + JSON.stringify(placeholder).length)),
  ]);
}

/** A JSON string holding a NUL (escaped, as JSON must) and two bytes that are not UTF-8: `"web\u0000-\xff\xfe1"`. */
export const DIRTY_NAME = Buffer.concat([
  Buffer.from('"web\\u0000-'),
  Buffer.from([0xff, 0xfe]),
  Buffer.from('1"'),
]);
