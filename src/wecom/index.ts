export { createWeComClient, WeComClient, WeComJobTimeoutError, multipartFile } from './client.js';
export type { CallEvent, UploadedMedia, WaitForJobOptions, WeComClientOptions } from './client.js';
export { WeComError, WeComTransportError, routeKey } from './errors/wecom-error.js';
