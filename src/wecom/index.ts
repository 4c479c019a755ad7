export { createWeComClient, WeComClient, WeComJobTimeoutError, multipartFile } from './client.js';
export type { CallEvent, CallOptions, ClientStats, ListIdPage, LoggerLike, UploadedMedia, WaitForJobOptions, WeComClientOptions } from './client.js';
export {
  WeComError,
  WeComTransportError,
  describeRoute,
  isTransportError,
  isWeComError,
  parseEgressIp,
  parseHint,
  redact,
  routeKey,
} from './errors/wecom-error.js';
export type { Explanation, Route, TransportFailureKind } from './errors/wecom-error.js';
export { ProxyConfigError, ProxyPool, parseProxyList } from './transport/proxy-pool.js';
export type { ProxyEndpoint, ProxyPoolOptions, RouteHealth } from './transport/proxy-pool.js';
export { RateLimiter, DEFAULT_BUDGET, WECOM_BUDGET } from './transport/rate-limiter.js';
export type { Budget, Permit, RateLimiterOptions, RateLimiterSnapshot } from './transport/rate-limiter.js';
export { backoffDelay, isRetryable, resolveRetryOptions, withRetry, RETRYABLE_ERRCODES } from './transport/retry.js';
export type { RetryOptions } from './transport/retry.js';
export { TokenCache } from './token/token-cache.js';
export type { Clock } from './transport/clock.js';
