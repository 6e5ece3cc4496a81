import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem.mapper';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Fastify's `frameworkErrors`: what the router refuses before any hook or Nest filter runs (a broken
 * percent-encoding, a path parameter over `maxParamLength`) is a problem+json with the usual headers too.
 */
export function frameworkErrorProblems(headers: Record<string, string>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const requestId = String(request.id);
    const problem = toProblem(error, { requestId, instance: request.url.split('?')[0] });
    void reply
      .headers(headers)
      .header('X-Request-Id', requestId)
      .status(problem.status)
      .header('Content-Type', PROBLEM_CONTENT_TYPE)
      .send(problem);
  };
}

/**
 * An HTTP/1.1 request must name its Host (RFC 9112 §3.2). Node's own check (`requireHostHeader`, turned off in
 * create-app.ts) answers a bare 400 before any hook runs: this onRequest hook refuses it with a problem+json.
 */
export function hostRequired(headers: Record<string, string>) {
  const answer = frameworkErrorProblems(headers);
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const { httpVersionMajor, httpVersionMinor } = request.raw;
    if (request.headers.host !== undefined || httpVersionMajor !== 1 || httpVersionMinor < 1) return done();
    const error = Object.assign(new Error('An HTTP/1.1 request must carry a Host header.'), {
      statusCode: 400,
    });
    answer(error as FastifyError, request, reply);
  };
}

/** On a socket: the request answered before its body had arrived (e.g. refused at once), if any. */
const ANSWERED_EARLY = Symbol('answeredEarly');
type Marked = { [ANSWERED_EARLY]?: { complete: boolean } };

/**
 * Fastify's onResponse hook: remembers a request answered before its whole body arrived. Node keeps reading
 * (and dropping) that body, and the request deadline may still fire on it: the answer is out by then, and
 * `clientErrorProblems` must not write a second one after it.
 */
export function markAnsweredEarly(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (!request.raw.complete) (request.raw.socket as Marked)[ANSWERED_EARLY] = request.raw;
  done();
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request head is larger than the gateway accepts (16 KiB).'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request did not arrive in time.'],
};

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (a control character in a header, an unknown
 * method, a head over 16 KiB) never becomes a request, so the problem+json is written to the socket itself.
 */
export function clientErrorProblems(newRequestId: () => string) {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'The request is not valid HTTP/1.1.'];
    const requestId = newRequestId();
    const problem = toProblem(Object.assign(new Error(detail), { statusCode: status }), {
      requestId,
      instance: '',
    });
    const body = JSON.stringify(problem);
    // A request the gateway already answered (or began to) while its body was still on the way: anything
    // written now would follow that answer as a stray second one, so the connection is only closed.
    const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    const answered = (socket as Marked)[ANSWERED_EARLY]?.complete === false;
    if (socket.writable && !answering && !answered)
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    socket.destroy(error);
  };
}
