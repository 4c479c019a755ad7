// Every error a route can throw leaves through the app's one error handler: each AppError subclass
// with its status, problem type, field errors and headers; WeCom failures as 502 explained; a secret
// the key cannot decrypt as 409 saying what to do; an unusable key and unknown errors as logged 500s;
// none of them shows the key file's path.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/auth/index.js';
import { ConnectionConflictError, ConnectionNotFoundError, ConnectionValidationError, SecretDecryptError, SecretKeyError } from '../../src/connections/index.js';
import { DemoConflictError, DemoNotFoundError } from '../../src/demo/demo.js';
import { Directory } from '../../src/directory/directory.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/directory/errors.js';
import { fieldError } from '../../src/domain/common.js';
import { coded } from '../../src/messages/index.js';
import { buildApp } from '../../src/server/app.js';
import { ProblemError, problem } from '../../src/server/problem.js';
import { MappingConfigError } from '../../src/sync/stages/mapping.js';
import { RunInProgressError, RunStateError } from '../../src/sync/state/runs.js';
import { DIRECT, WeComError, WeComTransportError } from '../../src/wecom/errors/wecom-error.js';
import { type TestStore, sqliteBackend } from '../store/backends.js';

const PROBLEM = 'application/problem+json';
const KEY_FILE = '/srv/wecom-sync/data/secret.key';

interface Case {
  name: string;
  error: () => unknown;
  status: number;
  type: string;
  detail?: string | RegExp;
  errors?: { field: string; message: string }[];
  headers?: Record<string, string>;
  logged?: boolean;
  /** The detail's code and params, for clients that word it themselves; absent on most problems. */
  code?: string;
  params?: Record<string, unknown>;
}

const field = { field: 'name', message: 'is required' };
const CASES: Case[] = [
  { name: 'directory ValidationError', error: () => new ValidationError('invalid account: name is required', [field]), status: 422, type: 'validation', errors: [field] },
  { name: 'directory NotFoundError', error: () => new NotFoundError('no organization org_1'), status: 404, type: 'not-found', detail: 'no organization org_1' },
  {
    name: 'directory ConflictError (coded)',
    error: () => new ConflictError(coded('error.username-taken', { username: 'zs', other: 'ZS', id: 'acc_1' }), [fieldError('username', 'invalid.taken-by', { name: 'ZS', id: 'acc_1' })]),
    status: 409,
    type: 'conflict',
    detail: 'username "zs" is already taken by account "ZS" (acc_1)',
    errors: [{ field: 'username', message: 'already taken by "ZS" (acc_1)' }],
    code: 'error.username-taken',
    params: { username: 'zs', other: 'ZS', id: 'acc_1' },
  },
  { name: 'ConnectionValidationError', error: () => new ConnectionValidationError([field]), status: 422, type: 'validation', detail: 'invalid connection: name is required', errors: [field], code: 'error.invalid-connection.one', params: { field: 'name', message: 'is required' } },
  { name: 'ConnectionNotFoundError', error: () => new ConnectionNotFoundError('acme'), status: 404, type: 'not-found', detail: /no connection named "acme"/, code: 'error.connection-not-found', params: { name: 'acme' } },
  { name: 'ConnectionConflictError', error: () => new ConnectionConflictError(coded('error.connection-name-taken', { name: 'acme' })), status: 409, type: 'conflict', detail: 'a connection named "acme" already exists', code: 'error.connection-name-taken', params: { name: 'acme' } },
  {
    name: 'AuthError (invalid)',
    error: () => new AuthError(coded('invalid.too-short', { min: 8 }), 'password'),
    status: 422,
    type: 'validation',
    detail: 'password must be at least 8 characters',
    errors: [{ field: 'password', message: 'must be at least 8 characters' }],
    code: 'error.field',
    params: { field: 'password', message: { code: 'invalid.too-short', params: { min: 8 } } },
  },
  { name: 'AuthError (conflict)', error: () => new AuthError(coded('invalid.user-name-taken', { id: 'usr_1' }), 'username', 'conflict'), status: 409, type: 'conflict', errors: [{ field: 'username', message: 'the username is taken by usr_1' }], code: 'error.field', params: { field: 'username', message: { code: 'invalid.user-name-taken', params: { id: 'usr_1' } } } },
  { name: 'DemoConflictError', error: () => new DemoConflictError(coded('error.demo-active')), status: 409, type: 'demo-conflict', code: 'error.demo-active' },
  { name: 'DemoNotFoundError', error: () => new DemoNotFoundError(), status: 404, type: 'not-found', detail: 'no demo is active', code: 'error.demo-not-active' },
  {
    name: 'RunInProgressError',
    error: () => new RunInProgressError('con_1', 'run_1', null),
    status: 409,
    type: 'conflict',
    detail: /already has an active sync run \(run_1\)/,
    code: 'error.run-active',
    params: { connection: 'con_1', run: 'run_1' },
  },
  { name: 'RunStateError', error: () => new RunStateError(coded('error.run-not-planned', { run: 'run_1', status: 'succeeded' })), status: 409, type: 'conflict', detail: 'run run_1 is succeeded, not planned', code: 'error.run-not-planned', params: { run: 'run_1', status: 'succeeded' } },
  {
    name: 'MappingConfigError',
    error: () => new MappingConfigError([{ path: 'members.mobile', code: 'E_DEF_TYPE', message: 'members.mobile must be an expression (a string)' }]),
    status: 422,
    type: 'invalid-mapping',
    detail: 'the mapping definition is not valid: members.mobile: members.mobile must be an expression (a string)',
    errors: [{ field: 'members.mobile', message: 'members.mobile must be an expression (a string)' }],
  },
  {
    name: 'ProblemError with headers',
    error: () => new ProblemError(problem(429, coded('error.too-many-sign-ins', { seconds: 30 })), { 'retry-after': '30' }),
    status: 429,
    type: 'too-many-requests',
    detail: 'too many failed sign-ins; try again in 30 s',
    headers: { 'retry-after': '30' },
    code: 'error.too-many-sign-ins',
    params: { seconds: 30 },
  },
  {
    name: 'ProblemError with a code and params',
    error: () => new ProblemError({ ...problem(409, 'the demo is active: …'), code: 'demo-active.whole-directory', params: { company: '星河科技有限公司' } }),
    status: 409,
    type: 'conflict',
    code: 'demo-active.whole-directory',
    params: { company: '星河科技有限公司' },
  },
  {
    name: 'WeComError',
    error: () => new WeComError({ errcode: 40001, errmsg: 'invalid credential, hint: [123]', api: 'gettoken', route: DIRECT }),
    status: 502,
    type: 'wecom-error',
    detail: /^WeCom: gettoken failed with errcode 40001/,
    logged: true,
    code: 'error.wecom',
    params: { detail: expect.stringMatching(/^gettoken failed with errcode 40001/) },
  },
  {
    name: 'WeComTransportError',
    error: () => new WeComTransportError({ kind: 'connect', api: 'gettoken', route: DIRECT, detail: 'connection refused' }),
    status: 502,
    type: 'wecom-unreachable',
    detail: 'WeCom: gettoken: connection refused',
    logged: true,
    code: 'error.wecom-unreachable',
    params: { detail: 'gettoken: connection refused' },
  },
  {
    name: 'SecretDecryptError',
    error: () => new SecretDecryptError(`cannot decrypt the secret of connection "acme": the secret key from the key file ${KEY_FILE} is not the key it was encrypted with`, 'the secret of connection "acme"'),
    status: 409,
    type: 'secret-unreadable',
    detail: /^The secret of connection "acme" cannot be decrypted with this service's secret key.*Enter it again/,
  },
  { name: 'SecretKeyError', error: () => new SecretKeyError(`the key file ${KEY_FILE} can be read by others`), status: 500, type: 'secret-key', detail: /see the server log/, logged: true },
  { name: 'an unknown error', error: () => new TypeError(`cannot read ${KEY_FILE}`), status: 500, type: 'internal', detail: 'an internal error occurred; see the server log', logged: true },
];

describe('the error handler', () => {
  let t: TestStore;
  let app: FastifyInstance;
  const logged: string[] = [];
  beforeAll(async () => {
    t = await sqliteBackend.open();
    app = buildApp({
      directory: new Directory(t.store),
      logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(line) }),
      routes: [
        async (api) => {
          api.get<{ Params: { i: string } }>('/test/throw/:i', async (req) => {
            throw CASES[Number(req.params.i)]!.error();
          });
        },
      ],
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('maps %s to its problem', async (_name, i) => {
    const c = CASES[i]!;
    const err = c.error() as Error;
    logged.length = 0;
    const r = await app.inject({ method: 'GET', url: `/api/v1/test/throw/${i}` });
    expect(r.statusCode).toBe(c.status);
    expect(r.headers['content-type']).toContain(PROBLEM);
    const body = r.json();
    expect(body).toMatchObject({ type: `urn:wecom-sync:problem:${c.type}`, status: c.status, errors: c.errors ?? [] });
    expect(body.detail).toMatch(c.detail ?? err.message);
    expect(body.title).toEqual(expect.any(String));
    for (const [k, v] of Object.entries(c.headers ?? {})) expect(r.headers[k]).toBe(v);
    expect(body.code).toBe(c.code);
    expect(body.params).toEqual(c.params);
    // the answer never shows the key file; the log keeps the original for what it hides
    expect(r.body).not.toContain(KEY_FILE);
    if (c.logged) expect(logged.map((line) => JSON.parse(line).err?.message)).toContain(err.message);
    else expect(logged).toEqual([]);
  });

  it('says a coded detail and its field errors in Chinese when Accept-Language asks for it, in English otherwise', async () => {
    const i = CASES.findIndex((c) => c.name === 'directory ConflictError (coded)');
    const zh = (await app.inject({ method: 'GET', url: `/api/v1/test/throw/${i}`, headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } })).json();
    expect(zh.detail).toBe('用户名“zs”已被账号“ZS”（acc_1）使用');
    expect(zh.errors).toEqual([{ field: 'username', message: '已被“ZS”（acc_1）占用', code: 'invalid.taken-by', params: { name: 'ZS', id: 'acc_1' } }]);
    expect(zh.code).toBe('error.username-taken');
    const en = (await app.inject({ method: 'GET', url: `/api/v1/test/throw/${i}`, headers: { 'accept-language': 'en-US,zh;q=0.5' } })).json();
    expect(en.detail).toBe('username "zs" is already taken by account "ZS" (acc_1)');
    // a clause inside the detail (a field error's own text) is said in the same language
    const j = CASES.findIndex((c) => c.name === 'AuthError (invalid)');
    expect((await app.inject({ method: 'GET', url: `/api/v1/test/throw/${j}`, headers: { 'accept-language': 'zh' } })).json().detail).toBe('字段 password：至少 8 个字符');
    // a detail without a code stays as it is
    const k = CASES.findIndex((c) => c.name === 'directory NotFoundError');
    expect((await app.inject({ method: 'GET', url: `/api/v1/test/throw/${k}`, headers: { 'accept-language': 'zh' } })).json().detail).toBe('no organization org_1');
  });

  it("answers WeCom's errcode with its explanation in both languages", async () => {
    const i = CASES.findIndex((c) => c.name === 'WeComError');
    const body = (await app.inject({ method: 'GET', url: `/api/v1/test/throw/${i}` })).json();
    expect(body.explanation).toEqual((CASES[i]!.error() as WeComError).explanation);
    expect(body.explanation.en).toMatch(/secret/i);
    expect(body.explanation.zh).not.toBe('');
  });
});
