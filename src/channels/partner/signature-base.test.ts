import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { checkContentDigest, contentDigest } from './content-digest.ts';
import { componentValue, MessageSignatureError, readSignatures, signatureBase, signatureParams, type SignableRequest } from './signature-base.ts';
import { sf } from './structured-fields.ts';

// Test data from RFC 9421 Appendix B: the test request (B.2) and the Ed25519 test key (B.1.4).
const RFC_REQUEST_BODY = '{"hello": "world"}';
const RFC_SHA512_DIGEST = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';
const rfcRequest = (headers: Record<string, string> = {}): SignableRequest => ({
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest': RFC_SHA512_DIGEST,
    'content-length': '18',
    ...headers,
  },
});
const RFC_ED25519_PUBLIC_PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n';
const RFC_ED25519_PRIVATE_PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n';

describe('RFC 9421 signature base', () => {
  it('reproduces B.2.6 (Ed25519): the signature base, and the signature byte for byte', () => {
    const signatureInput = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
    const expectedSignature = 'wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==';
    const request = rfcRequest({ 'signature-input': signatureInput, signature: `sig-b26=:${expectedSignature}:` });

    const [found] = readSignatures(request.headers);
    assert.equal(found.label, 'sig-b26');
    const base = signatureBase(request, found.input);
    assert.equal(
      base,
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join('\n'),
    );
    // Ed25519 is deterministic, so signing the base with the RFC's key must give the RFC's value.
    assert.equal(sign(null, Buffer.from(base), createPrivateKey(RFC_ED25519_PRIVATE_PEM)).toString('base64'), expectedSignature);
    assert.ok(verify(null, Buffer.from(base), createPublicKey(RFC_ED25519_PUBLIC_PEM), found.signature));
  });

  it('reproduces the B.2.1 (no components, nonce) and B.2.5 signature bases', () => {
    const [b21] = readSignatures(
      rfcRequest({ 'signature-input': 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"', signature: 'sig-b21=:AAAA:' }).headers,
    );
    assert.equal(signatureBase(rfcRequest(), b21.input), '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"');

    const [b25] = readSignatures(
      rfcRequest({ 'signature-input': 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"', signature: 'sig-b25=:AAAA:' }).headers,
    );
    assert.equal(
      signatureBase(rfcRequest(), b25.input),
      '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@authority": example.com\n"content-type": application/json\n"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
  });

  it('derives request components as §2.2 defines them', () => {
    const value = (url: string, name: string) => componentValue({ method: 'POST', url, headers: {} }, sf.item(sf.string(name)));
    const url = 'https://www.example.com/path?param=value';
    assert.equal(value(url, '@method'), 'POST');
    assert.equal(value(url, '@target-uri'), 'https://www.example.com/path?param=value');
    assert.equal(value(url, '@authority'), 'www.example.com');
    assert.equal(value(url, '@scheme'), 'https');
    assert.equal(value(url, '@request-target'), '/path?param=value');
    assert.equal(value(url, '@path'), '/path');
    assert.equal(value(url, '@query'), '?param=value');
    assert.equal(value('https://www.example.com/path', '@query'), '?', 'an absent query is "?" alone');
    // The authority is normalised (lower case, default port dropped); path and query are taken as sent.
    assert.equal(value('HTTPS://WWW.Example.com:443/a%2Fb?Q=%41', '@target-uri'), 'https://www.example.com/a%2Fb?Q=%41');
    assert.equal(value('http://localhost:80', '@target-uri'), 'http://localhost/');
    assert.equal(value('http://127.0.0.1:3000/x', '@authority'), '127.0.0.1:3000');
  });

  it('canonicalises field values as §2.1 defines: trimmed, unfolded, repeated lines joined', () => {
    const request: SignableRequest = {
      method: 'GET',
      url: 'https://www.example.com/',
      headers: {
        'X-OWS-Header': '   Leading and trailing whitespace.   ',
        'x-obs-fold-header': 'Obsolete\r\n    line folding.',
        'cache-control': ['max-age=60', '   must-revalidate'],
        'example-dict': ' a=1,    b=2;x=1;y=2,   c=(a   b   c)',
      },
    };
    const value = (name: string) => componentValue(request, sf.item(sf.string(name)));
    assert.equal(value('x-ows-header'), 'Leading and trailing whitespace.');
    assert.equal(value('x-obs-fold-header'), 'Obsolete line folding.');
    assert.equal(value('cache-control'), 'max-age=60, must-revalidate');
    assert.equal(value('example-dict'), 'a=1,    b=2;x=1;y=2,   c=(a   b   c)');
  });

  it('refuses components it cannot derive rather than signing something else', () => {
    const params = new Map([['created', sf.integer(1)]]);
    assert.throws(() => signatureBase(rfcRequest(), signatureParams(['x-missing'], params)), /"x-missing" is not in the request/);
    assert.throws(() => signatureBase(rfcRequest(), signatureParams(['@method', '@method'], params)), /covered twice/);
    assert.throws(() => signatureBase(rfcRequest(), signatureParams(['@status'], params)), /not supported/);
    assert.throws(() => signatureBase(rfcRequest(), signatureParams(['Date'], params)), /lower case/);
    assert.throws(() => signatureBase(rfcRequest(), signatureParams(['@signature-params'], params)), MessageSignatureError);
    assert.throws(
      () => signatureBase(rfcRequest(), { kind: 'inner-list', items: [sf.item(sf.string('example-dict'), new Map([['sf', { type: 'boolean', value: true }]]))], params }),
      /Component parameters are not supported/,
    );
    assert.throws(() => readSignatures({ signature: 'a=:AAAA:' }), /no Signature-Input/);
    assert.throws(() => readSignatures({ 'signature-input': 'a=("@method"', signature: 'a=:AAAA:' }), /Malformed signature header/);
  });
});

describe('RFC 9530 Content-Digest', () => {
  it('writes the RFC example digest and checks sha-256 and sha-512 digests', () => {
    assert.equal(contentDigest(RFC_REQUEST_BODY), 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    assert.deepEqual(checkContentDigest(RFC_SHA512_DIGEST, RFC_REQUEST_BODY), { ok: true });
    assert.deepEqual(checkContentDigest(`${contentDigest(RFC_REQUEST_BODY)}, ${RFC_SHA512_DIGEST}`, Buffer.from(RFC_REQUEST_BODY)), { ok: true });
  });

  it('refuses a digest of other content, an unknown algorithm alone, and a malformed field', () => {
    assert.match((checkContentDigest(contentDigest('{"hello": "world!"}'), RFC_REQUEST_BODY) as { reason: string }).reason, /sha-256 does not match/);
    assert.match((checkContentDigest(`${contentDigest(RFC_REQUEST_BODY)}, ${RFC_SHA512_DIGEST.replace('WZD', 'XZD')}`, RFC_REQUEST_BODY) as { reason: string }).reason, /sha-512 does not match/);
    assert.match((checkContentDigest('md5=:AAAA:', RFC_REQUEST_BODY) as { reason: string }).reason, /no supported algorithm/);
    assert.match((checkContentDigest('sha-256=X48E', RFC_REQUEST_BODY) as { reason: string }).reason, /not a byte sequence/);
    assert.match((checkContentDigest('sha-256=:X48E', RFC_REQUEST_BODY) as { reason: string }).reason, /not a structured dictionary/);
  });
});
