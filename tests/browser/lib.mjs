// What the browser scripts share: the real binary on a loopback port with a temporary data
// folder (as tests/compat/harness.py starts it), the REST API to seed it, and Debian's chromium.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';

export const ROOT_TOKEN = 'glpat-browser-root-token-0000';
export const CHROMIUM = process.env.PACKYARD_CHROMIUM || '/usr/bin/chromium';

// ctest reads 77 as "skipped"; only a missing browser or missing node modules may say so.
export const SKIP = 77;

export async function loadPlaywright() {
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIPPED: no chromium at ${CHROMIUM} (scripts/deps.sh --tests installs it)`);
    process.exit(SKIP);
  }
  try {
    return await import('playwright-core');
  } catch (e) {
    console.log(`SKIPPED: playwright-core is not installed (npm ci --prefix tests/browser): ${e.message}`);
    process.exit(SKIP);
  }
}

export async function launchBrowser(playwright) {
  // Debian's chromium over CDP; --no-sandbox because tests run as root in CI.
  return playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export class Server {
  // extra: more `packyard serve` options, e.g. ['--external-url', 'https://…'].
  constructor(binary, extra = []) {
    this.binary = binary;
    this.extra = extra;
    this.dir = mkdtempSync(join(tmpdir(), 'packyard-browser-'));
    this.logPath = join(this.dir, 'server.log');
  }

  async start() {
    // A run ended from outside (ctest's timeout, Ctrl-C) takes its server and folder with it.
    for (const [sig, status] of [['SIGINT', 130], ['SIGTERM', 143]]) {
      process.once(sig, () => {
        this.stop();
        process.exit(status);
      });
    }
    const log = openSync(this.logPath, 'a');
    this.proc = spawn(this.binary,
      ['serve', '--listen', '127.0.0.1:0', '--data', join(this.dir, 'd'), '--threads', '2', ...this.extra],
      { env: { ...process.env, PACKYARD_ROOT_TOKEN: ROOT_TOKEN }, stdio: ['ignore', 'pipe', log] });
    const exited = new Promise((resolve) => {
      this.proc.once('exit', (code, sig) => resolve(`exited (${code ?? sig})`));
      this.proc.once('error', (e) => resolve(`could not run ${this.binary}: ${e.message}`));
    });
    const lines = createInterface({ input: this.proc.stdout });
    const first = new Promise((resolve) => lines.once('line', resolve));
    const timeout = new Promise((resolve) => setTimeout(() => resolve('no line within 20 s'), 20000));
    const line = await Promise.race([first, exited, timeout]);
    const m = /packyard listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
    if (!m) throw new Error(`server did not start: ${line}\n${this.logTail()}`);
    this.url = m[1];
    return this;
  }

  logTail() {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  }

  stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  // One API call. opts: token (PRIVATE-TOKEN), jobToken (JOB-TOKEN), json (a body sent as JSON),
  // body (raw bytes), expect (the status it must answer; an Error otherwise).
  async api(method, path, opts = {}) {
    const headers = {};
    if (opts.token) headers['PRIVATE-TOKEN'] = opts.token;
    if (opts.jobToken) headers['JOB-TOKEN'] = opts.jobToken;
    let body = opts.body;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const res = await fetch(this.url + '/api/v4' + path, { method, headers, body });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch { /* not JSON: keep the text */ }
    const expect = opts.expect ?? (method === 'GET' ? 200 : method === 'DELETE' ? 204 : 201);
    if (res.status !== expect) {
      throw new Error(`${method} ${path}: expected ${expect}, got ${res.status}: ${text.slice(0, 300)}`);
    }
    return json;
  }

  // A user with a personal access token of the given scopes.
  async user(username, name, scopes = ['api']) {
    const u = await this.api('POST', '/users', {
      token: ROOT_TOKEN, json: { username, name, email: `${username}@example.com` },
    });
    const t = await this.api('POST', `/users/${u.id}/personal_access_tokens`, {
      token: ROOT_TOKEN, json: { name: `${username}-web`, scopes },
    });
    return { ...u, token: t.token };
  }

  // Another personal access token of a user: {id, token, …}.
  async token(userId, scopes) {
    return this.api('POST', `/users/${userId}/personal_access_tokens`, {
      token: ROOT_TOKEN, json: { name: `web-${scopes.join('-')}`, scopes },
    });
  }

  async group(path, visibility = 'public') {
    return this.api('POST', '/groups', { token: ROOT_TOKEN, json: { name: path, path, visibility } });
  }

  async project(groupId, path, visibility) {
    return this.api('POST', '/projects', {
      token: ROOT_TOKEN, json: { name: path, path, namespace_id: groupId, visibility },
    });
  }

  async member(projectId, userId, accessLevel) {
    return this.api('POST', `/projects/${projectId}/members`, {
      token: ROOT_TOKEN, json: { user_id: userId, access_level: accessLevel },
    });
  }

  async generic(projectId, name, version, file, bytes, auth = { token: ROOT_TOKEN }) {
    return this.api('PUT', `/projects/${projectId}/packages/generic/${name}/${version}/${file}`,
      { ...auth, body: bytes });
  }

  // All of a project's packages, every page (the API's 100 a page at most).
  async packages(projectId, token = ROOT_TOKEN) {
    const all = [];
    for (let page = 1; ; page++) {
      const rows = await this.api('GET', `/projects/${projectId}/packages?per_page=100&page=${page}`, { token });
      all.push(...rows);
      if (rows.length < 100) return all;
    }
  }
}

// A ustar archive of these files, gzipped: what `npm pack` makes (package/package.json, …).
function tgz(files) {
  const blocks = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.from(content);
    const h = Buffer.alloc(512);
    const put = (s, at, len) => h.write(s.slice(0, len), at, 'latin1');
    put(name, 0, 100);
    put('0000644\0', 100, 8);
    put('0000000\0', 108, 8);
    put('0000000\0', 116, 8);
    put(body.length.toString(8).padStart(11, '0') + '\0', 124, 12);
    put('14760000000\0', 136, 12);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export async function npmPublish(server, projectId, name, version, description, auth) {
  const manifest = { name, version, description, main: 'index.js', license: 'MIT' };
  const tarball = tgz({
    'package/package.json': JSON.stringify(manifest, null, 2),
    'package/index.js': `module.exports = ${JSON.stringify(name)};\n`,
  });
  const file = `${name.split('/').pop()}-${version}.tgz`;
  const body = {
    _id: name, name, description,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        ...manifest, _id: `${name}@${version}`,
        dist: {
          shasum: createHash('sha1').update(tarball).digest('hex'),
          integrity: 'sha512-' + createHash('sha512').update(tarball).digest('base64'),
          tarball: `${server.url}/api/v4/projects/${projectId}/packages/npm/${name}/-/${file}`,
        },
      },
    },
    // npm names the attachment after the whole name, scope included (GitLab looks it up so).
    _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
  };
  return server.api('PUT', `/projects/${projectId}/packages/npm/${encodeURIComponent(name)}`, { ...auth, json: body, expect: 200 });
}

export async function pypiUpload(server, projectId, name, version, file, summary, basic) {
  const content = Buffer.from(`${name} ${version}\n`.repeat(200));
  const form = new FormData();
  for (const [k, v] of Object.entries({
    ':action': 'file_upload', protocol_version: '1', name, version, summary,
    requires_python: '>=3.9', metadata_version: '2.1',
    sha256_digest: createHash('sha256').update(content).digest('hex'),
  })) form.append(k, v);
  form.append('content', new Blob([content]), file);
  const res = await fetch(`${server.url}/api/v4/projects/${projectId}/packages/pypi`, {
    method: 'POST', body: form,
    headers: { Authorization: 'Basic ' + Buffer.from(basic).toString('base64') },
  });
  if (res.status !== 201) throw new Error(`pypi upload ${file}: ${res.status} ${await res.text()}`);
}
