/** Which paths a file server answers, and which it refuses: the root, symbolic links, escapes, dotfiles. */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { serveFiles } from '../../src/index.js';
import { filesFixture, tree } from './fixture.js';

const outside = tree({ 'secret.txt': 'SECRET\n', 'dir/inner.txt': 'INNER SECRET\n', '.env': 'KEY=1\n' });
const root = tree({
  'index.html': '<h1>hi</h1>\n',
  'sub/a.txt': 'text\n',
  'sub/deeper/b.txt': 'b\n',
  'inside-link.txt': { link: 'sub/a.txt' },
  'inside-dir': { link: 'sub' },
  'link.txt': { link: join(outside, 'secret.txt') },
  linkdir: { link: join(outside, 'dir') },
  'rel-link.txt': { link: `../../../../../../../..${join(outside, 'secret.txt')}` },
  loop: { link: 'loop' },
  '.env': 'TOKEN=x\n',
  '.git/config': '[core]\n',
  'visible.txt': { link: '.env' },
  'escaped-index/index.html': { link: join(outside, 'secret.txt') },
});

describe('serveFiles: what is inside the root', () => {
  const start = filesFixture();

  test('files, a directory index, and symbolic links that stay inside', async () => {
    const { get } = await start(root);
    expect((await get('/')).body).toBe('<h1>hi</h1>\n');
    expect((await get('/sub/a.txt')).body).toBe('text\n');
    expect((await get('/inside-link.txt')).body).toBe('text\n');
    expect((await get('/inside-dir/deeper/b.txt')).body).toBe('b\n');
    expect((await get('/sub/%61.txt')).body).toBe('text\n');
  });

  test('a root reached through a symbolic link is resolved once, and serves as itself', async () => {
    const via = join(tree({}), 'www');
    symlinkSync(root, via);
    const { get } = await start(via);
    expect((await get('/sub/a.txt')).body).toBe('text\n');
    expect((await get('/link.txt')).status).toBe(404);
  });

  test('a root that is missing or not a directory is refused when the handler is made', () => {
    expect(() => serveFiles(join(root, 'nothing'))).toThrow(/cannot be served/);
    expect(() => serveFiles(join(root, 'index.html'))).toThrow(/not a directory/);
  });

  test('a directory named without its slash is redirected to it; leading slashes are collapsed', async () => {
    const { get } = await start(root);
    const moved = await get('/sub?x=1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/sub/?x=1');
    // Not `//sub/`, which a browser reads as the host "sub".
    expect((await get('//sub')).headers.location).toBe('/sub/');
  });

  test('other methods get 405 with Allow', async () => {
    const { request } = await start(root);
    const answer = await request('POST', '/index.html', 'Content-Length: 0\r\n');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
  });
});

describe('serveFiles: what is refused', () => {
  const start = filesFixture();

  test('regression: a symbolic link to a file outside the root answers 404, as a missing file', async () => {
    const { get } = await start(root);
    for (const path of ['/link.txt', '/rel-link.txt']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('SECRET');
    }
  });

  test('a symbolic link to a directory outside the root: neither it nor anything under it is served', async () => {
    const { get } = await start(root, { list: true });
    for (const path of ['/linkdir/inner.txt', '/linkdir/', '/linkdir']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('SECRET');
    }
  });

  test('an index file that is a link outside the root is not served for its directory', async () => {
    const { get } = await start(root);
    expect((await get('/escaped-index/')).status).toBe(404);
  });

  test('followSymlinks serves what links lead to outside the root, as before', async () => {
    const { get } = await start(root, { followSymlinks: true });
    expect((await get('/link.txt')).body).toBe('SECRET\n');
    expect((await get('/linkdir/inner.txt')).body).toBe('INNER SECRET\n');
    expect((await get('/escaped-index/')).body).toBe('SECRET\n');
    // It follows links; it does not let a path climb out by itself.
    expect((await get('/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd')).status).toBe(404);
  });

  test('a malformed percent-escape is a bad request (400), as is an encoded NUL', async () => {
    const { get } = await start(root);
    for (const path of ['/%zz', '/%', '/sub/%a', '/%c3', '/%ff%fe', '/a%00b', '/index.html%00.txt'])
      expect((await get(path)).status, path).toBe(400);
  });

  test('regression: a file named with a trailing slash (/index.html/) is not that file', async () => {
    const { get } = await start(root);
    expect((await get('/index.html/')).status).toBe(404);
    expect((await get('/sub/a.txt/')).status).toBe(404);
    expect((await get('/index.html%2f')).status).toBe(404);
    expect((await get('/index.html')).status).toBe(200);
  });

  test('paths that climb out of the root, however they are spelled, never reach outside', async () => {
    const { get } = await start(root);
    const up = `${root
      .split('/')
      .filter(Boolean)
      .map(() => '..')
      .join('/')}`;
    const secret = join(outside, 'secret.txt');
    const paths = [
      `/${up}${secret}`,
      `/${up.replaceAll('.', '%2e')}${secret}`,
      `/${up.replaceAll('/', '%2f')}${secret.replaceAll('/', '%2f')}`,
      `/${up.replaceAll('/', '%5c')}${secret}`,
      `/%252e%252e%252f${secret}`,
      `//${secret}`,
      `/.%2e/${secret}`,
      `/sub/..%2f..%2f${up}${secret}`,
      '/loop',
      '/loop/x',
    ];
    for (const path of paths) {
      const answer = await get(path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.body, path).not.toContain('SECRET');
    }
  });

  test('dotfiles answer 404 (also through a link to one), unless dotfiles are served', async () => {
    const { get } = await start(root);
    for (const path of ['/.env', '/.git/config', '/.git/', '/%2eenv', '/visible.txt', '/sub/..%2f.env'])
      expect((await get(path)).status, path).toBe(404);
    const { get: open } = await start(root, { dotfiles: true });
    expect((await open('/.env')).body).toBe('TOKEN=x\n');
    expect((await open('/.git/config')).body).toBe('[core]\n');
    expect((await open('/visible.txt')).body).toBe('TOKEN=x\n');
  });
});
