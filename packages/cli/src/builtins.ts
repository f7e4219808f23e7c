/**
 * The built-in protocols: HTTP/1 requests and responses, a bare chunked body,
 * and every BitTorrent UDP tracker packet.
 */
import { concatBytes } from '@wiremachine/core';
import {
  createRequestMachine,
  createResponseMachine,
  type Http1Output,
  LENIENT_FLAGS,
  type LenientFlag,
  type RequestHead,
  type ResponseHead,
} from '@wiremachine/protocols/http1';
import { ipv4ResponseMachine, ipv6ResponseMachine, requestMachine } from '@wiremachine/protocols/tracker';
import { builtins, type ProtocolOptions } from './registry.js';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * HTTP messages printed whole: `kind`, `method`/`target` or `status`/`reason`,
 * `version`, `headers` and `trailers` as ordered pairs, `body` (bytes).
 */
function presentHttp(withHead: boolean): () => (output: unknown) => unknown[] {
  return () => {
    let head: RequestHead | ResponseHead | null = null;
    let body: Uint8Array[] = [];
    let trailers: [string, string][] = [];
    return (output) => {
      const o = output as Http1Output;
      if (o.type === 'head') {
        head = o as RequestHead | ResponseHead;
        body = [];
        trailers = [];
      } else if (o.type === 'body') body.push(o.data.slice());
      else if (o.type === 'trailers') trailers = o.trailers.entries();
      else if (o.type === 'end' && head !== null) {
        const h = head;
        const start = !withHead
          ? { kind: 'chunked' }
          : h.kind === 'request'
            ? { kind: 'request', method: h.method, target: h.url, version: h.version }
            : { kind: 'response', status: h.status, reason: h.reason, version: h.version };
        return [{ ...start, ...(withHead ? { headers: h.headers } : {}), trailers, body: concatBytes(body) }];
      }
      return [];
    };
  };
}

function httpOptions(options: ProtocolOptions) {
  return { lenient: options.lenient as LenientFlag[], skipBody: options.noBody };
}

builtins.set('http1-request', (options) => ({
  name: 'http1-request',
  lenientFlags: LENIENT_FLAGS,
  machine: createRequestMachine(httpOptions(options)),
  present: presentHttp(true),
  handsOver: true,
  seeds: [
    latin1('GET / HTTP/1.1\r\nHost: a\r\n\r\n'),
    latin1('POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'),
  ],
  maxBufferSize: 64 * 1024,
}));

builtins.set('http1-response', (options) => ({
  name: 'http1-response',
  lenientFlags: LENIENT_FLAGS,
  machine: createResponseMachine(httpOptions(options)),
  present: presentHttp(true),
  handsOver: true,
  seeds: [latin1('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'), latin1('HTTP/1.1 204 No Content\r\n\r\n')],
  maxBufferSize: 64 * 1024,
}));

// A bare chunked body: the response machine reads it after a head that says so.
const CHUNKED_HEAD = latin1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
builtins.set('chunked', (options) => ({
  name: 'chunked',
  lenientFlags: LENIENT_FLAGS,
  machine: createResponseMachine(httpOptions(options)),
  prefix: CHUNKED_HEAD,
  present: presentHttp(false),
  seeds: [latin1('5\r\nhello\r\n0\r\n\r\n'), latin1('3;ext="v"\r\nabc\r\n0\r\nX-T: 1\r\n\r\n')],
  maxBufferSize: 64 * 1024,
}));

builtins.set('tracker-request', () => ({ name: 'tracker-request', machine: requestMachine }));
builtins.set('tracker-response', () => ({ name: 'tracker-response', machine: ipv4ResponseMachine }));
builtins.set('tracker-response-ipv6', () => ({ name: 'tracker-response-ipv6', machine: ipv6ResponseMachine }));
