import { isIP } from 'node:net';
import { connect } from 'node:tls';
import {
  GatewayError,
  ProviderAuthError,
  ProviderUnavailableError,
} from '../../../common/errors/gateway-error';
import { classifyTransportError } from '../../kit/http/transport-errors';
import type { ImcoTlsMaterial } from './tls';

/**
 * How long a fresh, idle connection must survive the handshake to show the server accepted our certificate: a
 * refusing server closes it within a round trip; a busy machine gets some slack.
 */
function acceptWindowMs(timeoutMs: number): number {
  return Math.min(2_000, Math.max(750, Math.round(timeoutMs / 4)));
}

/**
 * A server that verifies client certificates after the TLS handshake (Node's, and TLS 1.3 servers in general)
 * refuses a certificate of another CA by closing the connection without an alert: the HTTP client sees a reset,
 * which alone would read as "provider unavailable". This opens one idle connection with the same material: if the
 * server drops it right after the handshake, without a request sent, the certificate was refused.
 */
export async function diagnoseHandshake(
  endpoint: string,
  material: ImcoTlsMaterial,
  provider: string,
  timeoutMs: number,
): Promise<GatewayError | null> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    let secured = false;
    let settled = false;
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      cert: material.cert,
      key: material.key,
      ca: material.ca,
    });
    const finish = (result: GatewayError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const refused = () =>
      new ProviderAuthError(
        'IMCO closed the connection right after the TLS handshake: it refused the client certificate of this connection (is it signed by the platform CA, and still valid?).',
        { provider },
      );
    let timer = setTimeout(() => finish(null), timeoutMs);
    timer.unref();
    socket.once('secureConnect', () => {
      secured = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish(null), acceptWindowMs(timeoutMs));
      timer.unref();
    });
    socket.once('error', (error) => {
      if (secured) return finish(refused());
      const failure = classifyTransportError(error, provider, timeoutMs).error;
      finish(failure instanceof ProviderAuthError ? failure : null);
    });
    socket.once('close', () => finish(secured ? refused() : null));
  });
}

/** A failure below HTTP that may hide a refused certificate: a reset or closed connection, nothing else. */
export function mayHideRefusedCertificate(error: unknown): boolean {
  return (
    error instanceof ProviderUnavailableError &&
    !error.upstream &&
    error.retryAfter === undefined &&
    /closed the connection/i.test(error.message)
  );
}
