export * from './service.js';
export { LoginRateLimiter } from './rate-limit.js';
export { PASSWORD_MIN_LENGTH, randomPassword } from './passwords.js';
