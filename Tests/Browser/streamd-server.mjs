// The real streamd binary on loopback over TLS, for the Node and browser
// tests: keys, a token issuer, start/stop/restart on one port and one data
// directory. STREAMD_BIN names the binary.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';

export class Streamd {
  constructor({ demo = false } = {}) {
    this.bin = process.env.STREAMD_BIN;
    if (!this.bin) throw new Error('set STREAMD_BIN to the streamd binary');
    this.dir = mkdtempSync(join(tmpdir(), 'streamd-node-'));
    this.demo = demo;
    execFileSync(this.bin, ['keys', 'generate', '--kid', 'node', '--dir', this.dir]);
    this.port = 0;
    this.process = null;
  }

  get ca() { return join(this.dir, 'certs', 'ca.pem'); }
  get caPem() { return readFileSync(this.ca, 'utf8'); }
  get url() { return `wss://127.0.0.1:${this.port}/ws`; }

  token(sub, ...roles) {
    const args = ['token', 'issue', '--sub', sub, '--ttl', '30m', '--key', join(this.dir, 'node-private.pem'), '--kid', 'node'];
    for (const role of roles) args.push('--role', role);
    return execFileSync(this.bin, args, { encoding: 'utf8' }).trim();
  }

  async start() {
    const portFile = join(this.dir, 'port');
    if (existsSync(portFile)) unlinkSync(portFile);
    const log = openSync(join(this.dir, 'server.log'), 'a');
    const args = ['serve', '--port', String(this.port), '--port-file', portFile,
      '--cert', join(this.dir, 'certs', 'server.pem'), '--key', join(this.dir, 'certs', 'server.key'),
      '--ca', this.ca, '--jwt-key', `node:ES256:${join(this.dir, 'node-public.pem')}`,
      '--audit-log', join(this.dir, 'audit.jsonl'), '--data-dir', join(this.dir, 'streams'), '--log-format', 'json'];
    if (this.demo) args.push('--demo');
    this.process = spawn(this.bin, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (existsSync(portFile)) {
        const text = readFileSync(portFile, 'utf8').trim();
        if (text) {
          this.port = Number(text);
          return;
        }
      }
      if (this.process.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('streamd did not start:\n' + readFileSync(join(this.dir, 'server.log'), 'utf8').slice(-3000));
  }

  async stop(signal = 'SIGTERM') {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async cleanup() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** POST /api/v1/publish; resolves with {status, body}. */
  publish(token, items) {
    const body = JSON.stringify(items);
    return new Promise((resolve, reject) => {
      const request = https.request({
        host: '127.0.0.1', port: this.port, path: '/api/v1/publish', method: 'POST', ca: this.caPem,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => {
          let parsed = null;
          try { parsed = JSON.parse(text); } catch (_) { /* not JSON */ }
          resolve({ status: response.statusCode, body: parsed });
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** Resolves once predicate() is true; rejects after timeoutMs. */
export async function until(predicate, timeoutMs = 10000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
