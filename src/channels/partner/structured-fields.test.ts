import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDictionary, serializeDictionary, serializeInnerList, StructuredFieldError } from './structured-fields.ts';

describe('structured fields (RFC 8941)', () => {
  it('parses a Signature-Input dictionary and serialises it back canonically', () => {
    const field = 'sig1=( "@method"  "@target-uri" );created=1618884473;keyid="k\\"1";alg="ed25519" ,  sig2=();tag=web';
    const dictionary = parseDictionary(field);
    assert.deepEqual([...dictionary.keys()], ['sig1', 'sig2']);
    const sig1 = dictionary.get('sig1');
    assert.ok(sig1?.kind === 'inner-list');
    assert.deepEqual(
      sig1.items.map((i) => i.value),
      [
        { type: 'string', value: '@method' },
        { type: 'string', value: '@target-uri' },
      ],
    );
    assert.deepEqual(sig1.params.get('keyid'), { type: 'string', value: 'k"1' });
    assert.equal(serializeInnerList(sig1), '("@method" "@target-uri");created=1618884473;keyid="k\\"1";alg="ed25519"');
    assert.equal(serializeDictionary(dictionary), 'sig1=("@method" "@target-uri");created=1618884473;keyid="k\\"1";alg="ed25519", sig2=();tag=web');
  });

  it('reads every kind of bare item the RFC defines', () => {
    const dictionary = parseDictionary('a=?0, b, c;foo=bar, d=-42, e=4.5, f=:cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:, g=*tok/en:1');
    assert.deepEqual(dictionary.get('a'), { kind: 'item', value: { type: 'boolean', value: false }, params: new Map() });
    assert.deepEqual(dictionary.get('c')?.params.get('foo'), { type: 'token', value: 'bar' });
    assert.deepEqual(dictionary.get('d'), { kind: 'item', value: { type: 'integer', value: -42 }, params: new Map() });
    assert.deepEqual(dictionary.get('e'), { kind: 'item', value: { type: 'decimal', value: 4.5 }, params: new Map() });
    const f = dictionary.get('f');
    assert.ok(f?.kind === 'item' && f.value.type === 'bytes');
    assert.equal(Buffer.from(f.value.value).toString(), 'pretend this is binary content.');
    assert.equal(serializeDictionary(dictionary), 'a=?0, b, c;foo=bar, d=-42, e=4.5, f=:cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:, g=*tok/en:1');
  });

  it('refuses malformed values instead of guessing', () => {
    for (const bad of ['sig1=("@method"', 'sig1="unterminated', 'a=1,', 'a=1 b=2', 'A=1', 'a="\\x"', 'a=1234567890123456', 'a=1.2345', 'a=:not base64!:', 'a=?2', 'a="tab\there"']) {
      assert.throws(() => parseDictionary(bad), StructuredFieldError, bad);
    }
  });
});
