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
    if (socket.writable)
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    socket.destroy(error);
  };
}
