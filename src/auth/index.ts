export * from './service.js';
export { LoginRateLimiter } from './rate-limit.js';
export { hashPassword, verifyPassword, randomPassword, PASSWORD_MIN_LENGTH } from './passwords.js';
export { API_TOKEN_PREFIX } from './secrets.js';
