/**
 * `alipay-sdk` takes no AbortSignal, but it lets each call choose the HTTP dispatcher its client
 * (`urllib`, on undici) sends through. This dispatcher sends through a shared one and, when the
 * call's signal aborts, aborts the request on the wire: the socket is released and the SDK's call
 * fails at once instead of waiting for its timeout.
 */
import type { Dispatcher } from 'urllib';

type DispatchOptions = Parameters<Dispatcher['dispatch']>[0];
type DispatchHandler = Parameters<Dispatcher['dispatch']>[1];
type AbortWire = (reason: unknown) => void;

/** The slice of a dispatcher that the SDK's HTTP client uses. */
export interface CallDispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
}

const ENDINGS = new Set<PropertyKey>(['onComplete', 'onError', 'onResponseEnd', 'onResponseError']);

/**
 * @example
 *   await sdk.curl('POST', path, { body, agent: abortableDispatcher(shared, signal) as unknown as ProxyAgent })
 */
export function abortableDispatcher(inner: Pick<Dispatcher, 'dispatch'>, signal: AbortSignal): CallDispatcher {
  return {
    dispatch(options, handler) {
      let abortWire: AbortWire | undefined;
      const onAbort = (): void => abortWire?.(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => signal.removeEventListener('abort', onAbort);
      const connected = (abort: AbortWire): void => {
        abortWire = abort;
        if (signal.aborted) abort(signal.reason);
      };
      // undici hands the way to abort to the handler when the request starts: the older handler
      // shape gets an abort function (onConnect), the newer a controller (onRequestStart).
      const watched = new Proxy(handler, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          if (key === 'onConnect') {
            return (abort: AbortWire, context: unknown) => {
              const result: unknown = value.call(target, abort, context);
              connected(abort);
              return result;
            };
          }
          if (key === 'onRequestStart') {
            return (controller: { abort(reason: unknown): void }, context: unknown) => {
              const result: unknown = value.call(target, controller, context);
              connected((reason) => controller.abort(reason));
              return result;
            };
          }
          if (ENDINGS.has(key)) {
            return (...args: unknown[]) => {
              settle();
              return value.apply(target, args);
            };
          }
          return value.bind(target);
        },
      });
      return inner.dispatch(options, watched);
    },
  };
}
