import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ERROR_CODES, HutongError, isHutongError, type ErrorCode } from '../errors.ts';
import { isStoreUnavailable } from '../store/store-errors.ts';

/** The body of every error answer. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.keys(ERROR_CODES).map((c) => Type.Literal(c))),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { title: 'Error', description: 'Error codes are listed in the API description' },
);

/** Error answers a route documents, besides its success. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HUTONG_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'HUTONG_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HUTONG_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HUTONG_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HUTONG_ERR_MALFORMED_BODY',
};

/** Maps anything a route throws to a HutongError: ours as they are, Fastify's by code, the rest as internal. */
export function toHutongError(error: FastifyError | Error): HutongError {
  if (isHutongError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const where = fastifyError.validationContext ?? 'request';
    const first = fastifyError.validation[0];
    const path = first?.instancePath || (first?.params as { missingProperty?: string })?.missingProperty || '';
    return new HutongError('HUTONG_ERR_VALIDATION', `${where}${path ? ` ${path}` : ''}: ${first?.message ?? 'invalid'}`, {
      details: fastifyError.validation.map((v) => ({ path: v.instancePath, message: v.message })),
    });
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new HutongError(mapped, fastifyError.message);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return new HutongError('HUTONG_ERR_MALFORMED_BODY', 'The body is not valid JSON');
  if (isStoreUnavailable(error)) {
    return new HutongError('HUTONG_ERR_STORE_UNAVAILABLE', 'The data store cannot be reached now; reading what is cached still works, changes must wait', { cause: error, details: { retryAfterSeconds: 5 } });
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new HutongError('HUTONG_ERR_VALIDATION', fastifyError.message);
  }
  return new HutongError('HUTONG_ERR_INTERNAL', 'An unexpected error occurred; it has been logged', { cause: error });
}

export function installErrorHandling(app: FastifyInstance, hooks: { onStoreUnavailable?: () => void } = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const hutong = toHutongError(error);
    if (hutong.code === 'HUTONG_ERR_STORE_UNAVAILABLE') hooks.onStoreUnavailable?.();
    if (hutong.statusCode >= 500) request.log.error({ err: error, code: hutong.code }, 'request failed');
    else request.log.info({ code: hutong.code }, 'request refused');
    const retryAfter = (hutong.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    const body = { error: { code: hutong.code, message: hutong.message, ...(hutong.details === undefined ? {} : { details: hutong.details }) } };
    return reply.status(hutong.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'HUTONG_ERR_ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}

/** Answers requests Node's HTTP parser rejects (before any route runs) in the same error format. */
export function clientErrorHandler(error: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    error: tooLarge
      ? { code: 'HUTONG_ERR_PAYLOAD_TOO_LARGE', message: 'The request headers are too large' }
      : { code: 'HUTONG_ERR_MALFORMED_REQUEST', message: 'The HTTP request is malformed; percent-encode non-ASCII characters in the URL' },
  });
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
