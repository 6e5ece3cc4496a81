import {
  GatewayError,
  ProviderAuthError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from '../../../common/errors/gateway-error';

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_CANCELED']);
/** The request never reached the backend: repeating it is safe even for a create. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_SOCKET_CLOSED']);

function isTlsFailure(code: string | undefined, message: string): boolean {
  if (!code) return /handshake|certificate|ssl|tls/i.test(message);
  return (
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('CERT_') ||
    code === 'EPROTO' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN'
  );
}

export interface TransportFailure {
  error: GatewayError;
  /** True when the request certainly did not reach the backend. */
  notSent: boolean;
}

/** Classifies a failure below HTTP (no response at all). */
export function classifyTransportError(
  error: unknown,
  provider: string,
  timeoutMs: number,
): TransportFailure {
  const code = (error as { code?: string })?.code;
  const message = (error as Error)?.message ?? String(error);
  if (code && TIMEOUT_CODES.has(code)) {
    return {
      error: new ProviderTimeoutError(`No answer from the provider within ${timeoutMs} ms.`, { provider }),
      notSent: false,
    };
  }
  if (code && NOT_SENT_CODES.has(code)) {
    return {
      error: new ProviderUnavailableError(`Cannot connect to the provider (${code}).`, { provider }),
      notSent: true,
    };
  }
  if (isTlsFailure(code, message)) {
    return {
      error: new ProviderAuthError(
        `TLS handshake with the provider failed (${code ?? 'handshake'}): check the certificates configured for this connection.`,
        {
          provider,
        },
      ),
      notSent: true,
    };
  }
  if (/^maxContentLength size of \d+ exceeded/.test(message)) {
    return {
      error: new ProviderError(
        'The provider answered more than maxResponseBytes allows for one answer; the answer was dropped.',
        { provider, retryable: false },
      ),
      notSent: false,
    };
  }
  if (code && RESET_CODES.has(code)) {
    return {
      error: new ProviderUnavailableError(`The provider closed the connection (${code}).`, { provider }),
      notSent: false,
    };
  }
  return {
    error: new ProviderError(`The provider call failed (${code ?? 'transport error'}).`, { provider }),
    notSent: false,
  };
}

/** Failures that say something about the backend's health (they count against its circuit breaker). */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return true;
  if (error instanceof ProviderTimeoutError || error instanceof ProviderUnavailableError) return true;
  if (error instanceof ProviderError) return (error.upstream?.status ?? 500) >= 500;
  return false;
}
