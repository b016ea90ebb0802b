/**
 * The slice of RFC 8941 (Structured Field Values for HTTP) that message signatures need: parsing
 * Dictionaries (`Signature-Input`, `Signature`, `Content-Digest`) and serialising Items, Inner
 * Lists and Parameters exactly, since RFC 9421 signs the serialised form.
 */

export type BareItem =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'boolean'; readonly value: boolean };

/** Parameters keep their order: the serialised form, hence a signature base, depends on it. */
export type Parameters = ReadonlyMap<string, BareItem>;

export interface Item {
  readonly kind: 'item';
  readonly value: BareItem;
  readonly params: Parameters;
}

export interface InnerList {
  readonly kind: 'inner-list';
  readonly items: readonly Item[];
  readonly params: Parameters;
}

export type Dictionary = ReadonlyMap<string, Item | InnerList>;

/** A field value that does not follow RFC 8941; the message says where. */
export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

const KEY_START = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_START = /[A-Za-z*]/;
// tchar (RFC 9110) plus ":" and "/", as RFC 8941 §3.3.4 allows in tokens.
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const DIGIT = /[0-9]/;
const BASE64_CHAR = /[A-Za-z0-9+/=]/;

class Parser {
  private pos = 0;

  constructor(private readonly input: string) {}

  private fail(what: string): never {
    throw new StructuredFieldError(`${what} at offset ${this.pos} of ${JSON.stringify(this.input)}`);
  }

  private peek(): string {
    return this.input.charAt(this.pos);
  }

  private atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.pos++;
  }

  private skipOws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** RFC 8941 §4.2: leading and trailing spaces are allowed around the whole field value. */
  parseWholeDictionary(): Dictionary {
    this.skipSpaces();
    const dictionary = this.parseDictionary();
    this.skipSpaces();
    if (!this.atEnd()) this.fail('Unexpected characters after the dictionary');
    return dictionary;
  }

  private parseDictionary(): Dictionary {
    const members = new Map<string, Item | InnerList>();
    while (!this.atEnd()) {
      const key = this.parseKey();
      if (this.peek() === '=') {
        this.pos++;
        members.set(key, this.parseItemOrInnerList());
      } else {
        members.set(key, { kind: 'item', value: { type: 'boolean', value: true }, params: this.parseParameters() });
      }
      this.skipOws();
      if (this.atEnd()) return members;
      if (this.peek() !== ',') this.fail('Expected "," between dictionary members');
      this.pos++;
      this.skipOws();
      if (this.atEnd()) this.fail('Trailing "," in dictionary');
    }
    return members;
  }

  private parseItemOrInnerList(): Item | InnerList {
    return this.peek() === '(' ? this.parseInnerList() : this.parseItem();
  }

  private parseInnerList(): InnerList {
    this.pos++; // "("
    const items: Item[] = [];
    while (!this.atEnd()) {
      this.skipSpaces();
      if (this.peek() === ')') {
        this.pos++;
        return { kind: 'inner-list', items, params: this.parseParameters() };
      }
      items.push(this.parseItem());
      const next = this.peek();
      if (next !== ' ' && next !== ')') this.fail('Expected " " or ")" in inner list');
    }
    return this.fail('Unterminated inner list');
  }

  private parseItem(): Item {
    const value = this.parseBareItem();
    return { kind: 'item', value, params: this.parseParameters() };
  }

  private parseParameters(): Parameters {
    const params = new Map<string, BareItem>();
    while (this.peek() === ';') {
      this.pos++;
      this.skipSpaces();
      const key = this.parseKey();
      let value: BareItem = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.pos++;
        value = this.parseBareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  private parseKey(): string {
    if (!KEY_START.test(this.peek())) this.fail('Expected a key (lower-case letter or "*")');
    const start = this.pos;
    while (!this.atEnd() && KEY_CHAR.test(this.peek())) this.pos++;
    return this.input.slice(start, this.pos);
  }

  private parseBareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || DIGIT.test(c)) return this.parseNumber();
    if (c === '"') return this.parseString();
    if (c === ':') return this.parseByteSequence();
    if (c === '?') return this.parseBoolean();
    if (TOKEN_START.test(c)) return this.parseToken();
    return this.fail('Expected an item');
  }

  private parseNumber(): BareItem {
    let sign = 1;
    if (this.peek() === '-') {
      sign = -1;
      this.pos++;
    }
    if (!DIGIT.test(this.peek())) this.fail('Expected a digit');
    let digits = '';
    let isDecimal = false;
    while (!this.atEnd()) {
      const c = this.peek();
      if (DIGIT.test(c)) digits += c;
      else if (c === '.' && !isDecimal) {
        if (digits.length > 12) this.fail('Decimal with more than 12 integer digits');
        digits += c;
        isDecimal = true;
      } else break;
      this.pos++;
      if (!isDecimal && digits.length > 15) this.fail('Integer with more than 15 digits');
      if (isDecimal && digits.length > 16) this.fail('Decimal too long');
    }
    if (!isDecimal) return { type: 'integer', value: sign * Number(digits) };
    if (digits.endsWith('.')) this.fail('Decimal ends with "."');
    if (digits.length - digits.indexOf('.') - 1 > 3) this.fail('Decimal with more than 3 fractional digits');
    return { type: 'decimal', value: sign * Number(digits) };
  }

  private parseString(): BareItem {
    this.pos++; // opening DQUOTE
    let value = '';
    while (!this.atEnd()) {
      const c = this.input.charAt(this.pos++);
      if (c === '\\') {
        const escaped = this.input.charAt(this.pos++);
        if (escaped !== '"' && escaped !== '\\') this.fail('Only \\" and \\\\ may be escaped in a string');
        value += escaped;
      } else if (c === '"') {
        return { type: 'string', value };
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('Strings hold printable ASCII only');
        value += c;
      }
    }
    return this.fail('Unterminated string');
  }

  private parseToken(): BareItem {
    const start = this.pos;
    this.pos++;
    while (!this.atEnd() && TOKEN_CHAR.test(this.peek())) this.pos++;
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  private parseByteSequence(): BareItem {
    this.pos++; // opening ":"
    const start = this.pos;
    while (!this.atEnd() && this.peek() !== ':') {
      if (!BASE64_CHAR.test(this.peek())) this.fail('Byte sequences hold base64 only');
      this.pos++;
    }
    if (this.atEnd()) this.fail('Unterminated byte sequence');
    const encoded = this.input.slice(start, this.pos);
    this.pos++; // closing ":"
    return { type: 'bytes', value: new Uint8Array(Buffer.from(encoded, 'base64')) };
  }

  private parseBoolean(): BareItem {
    this.pos++; // "?"
    const c = this.input.charAt(this.pos++);
    if (c === '1') return { type: 'boolean', value: true };
    if (c === '0') return { type: 'boolean', value: false };
    return this.fail('Booleans are ?0 or ?1');
  }
}

/**
 * Parses a Dictionary field value (RFC 8941 §4.2.2). Repeated field lines must be joined with ","
 * first, as Node does for unknown headers.
 *
 * @example
 *   parseDictionary('sig1=("@method");created=1618884473').get('sig1')
 */
export function parseDictionary(fieldValue: string): Dictionary {
  return new Parser(fieldValue).parseWholeDictionary();
}

/** Serialises a bare item (RFC 8941 §4.1.3); throws on values the format cannot carry. */
export function serializeBareItem(item: BareItem): string {
  switch (item.type) {
    case 'integer':
      if (!Number.isInteger(item.value) || Math.abs(item.value) > 999_999_999_999_999) throw new StructuredFieldError(`Integer out of range: ${item.value}`);
      return String(item.value);
    case 'decimal': {
      const rounded = Math.round(item.value * 1000) / 1000;
      if (Math.abs(Math.trunc(rounded)) > 999_999_999_999) throw new StructuredFieldError(`Decimal out of range: ${item.value}`);
      const text = rounded.toFixed(3).replace(/0+$/, '');
      return text.endsWith('.') ? `${text}0` : text;
    }
    case 'string':
      if (!/^[\x20-\x7e]*$/.test(item.value)) throw new StructuredFieldError('Strings hold printable ASCII only');
      return `"${item.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'token':
      if (!/^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/.test(item.value)) throw new StructuredFieldError(`Not a token: ${item.value}`);
      return item.value;
    case 'bytes':
      return `:${Buffer.from(item.value).toString('base64')}:`;
    case 'boolean':
      return item.value ? '?1' : '?0';
  }
}

/** Serialises parameters (RFC 8941 §4.1.1.2): `;key=value`, and a bare `;key` for true. */
export function serializeParameters(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) {
    if (!/^[a-z*][a-z0-9_\-.*]*$/.test(key)) throw new StructuredFieldError(`Not a key: ${key}`);
    out += `;${key}`;
    if (!(value.type === 'boolean' && value.value)) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

export function serializeItem(item: Item): string {
  return serializeBareItem(item.value) + serializeParameters(item.params);
}

export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParameters(list.params)}`;
}

/** Serialises a Dictionary (RFC 8941 §4.1.2); a member that is a bare `true` is written as its key alone. */
export function serializeDictionary(dictionary: Dictionary): string {
  const members: string[] = [];
  for (const [key, member] of dictionary) {
    if (!/^[a-z*][a-z0-9_\-.*]*$/.test(key)) throw new StructuredFieldError(`Not a key: ${key}`);
    if (member.kind === 'inner-list') members.push(`${key}=${serializeInnerList(member)}`);
    else if (member.value.type === 'boolean' && member.value.value) members.push(key + serializeParameters(member.params));
    else members.push(`${key}=${serializeItem(member)}`);
  }
  return members.join(', ');
}

/** Shorthands for building items. */
export const sf = {
  string: (value: string): BareItem => ({ type: 'string', value }),
  token: (value: string): BareItem => ({ type: 'token', value }),
  integer: (value: number): BareItem => ({ type: 'integer', value }),
  bytes: (value: Uint8Array): BareItem => ({ type: 'bytes', value }),
  item: (value: BareItem, params: Parameters = new Map()): Item => ({ kind: 'item', value, params }),
};
