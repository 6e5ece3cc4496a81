import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../errors/gateway-error';
import { AuthFailures } from '../rate-limit/auth-failures.service';
import { ApiKeysService } from './api-keys.service';
import { ACCEPTS_EVENT_TOKEN, AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_SCOPE } from './auth.decorators';
import type { Scope } from './caller';
import { EventTokens } from './event-tokens.service';

/** `Authorization: Bearer <key>` on every route but the public ones; scopes from the method or metadata. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly eventTokens: EventTokens,
    private readonly failures: AuthFailures,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (header) {
      const caller = this.keys.resolveHeader(header);
      if (!caller) return this.refuse(request, 'The API key is not valid.');
      request.caller = caller;
    } else if (this.reflector.getAllAndOverride<boolean>(ACCEPTS_EVENT_TOKEN, targets)) {
      const token = (request.query as Record<string, unknown> | undefined)?.access_token;
      if (typeof token !== 'string') return this.refuse(request);
      const caller = await this.eventTokens.resolve(token);
      if (!caller) return this.refuse(request, 'The event token is not valid or has expired.');
      request.caller = caller;
    } else {
      return this.refuse(request);
    }
    const required: Scope =
      this.reflector.getAllAndOverride<Scope>(REQUIRED_SCOPE, targets) ??
      (['GET', 'HEAD'].includes(request.method) ? 'read' : 'write');
    if (!request.caller.scopes.has(required)) {
      throw new ForbiddenError(`The API key '${request.caller.keyName}' lacks the '${required}' scope.`);
    }
    return true;
  }

  /** 401, or 429 once the client's address has failed too often (`server.authFailuresPerMinute`). */
  private async refuse(request: AuthenticatedRequest, detail?: string): Promise<never> {
    // request.ip follows `server.trustProxy`: the client before the proxy when the proxy is trusted.
    throw (await this.failures.record(request.ip)) ?? new UnauthenticatedError(detail);
  }
}
