// A software WebAuthn authenticator (P-256, attestation "none") for server tests: it builds the
// same registration and assertion responses a browser hands @simplewebauthn/browser's caller.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [k: string]: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Just enough CBOR (RFC 8949) for attestation objects and COSE keys. */
export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface CeremonyOptions {
  /** The origin the "browser" puts in clientDataJSON (default: the authenticator's). */
  origin?: string;
  /** The rpID the authenticator hashes (default: the options' rpId, or the authenticator's). */
  rpId?: string;
  /** User verification flag (default true). */
  userVerified?: boolean;
  /** Overrides the signature counter for this response. */
  counter?: number;
}

/** One credential on one authenticator; `clone()` is the same key on a second device (own counter). */
export class SoftwareAuthenticator {
  readonly credentialId: Buffer;
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  counter: number;

  constructor(
    readonly origin: string,
    readonly rpId = new URL(origin).hostname,
    key?: { credentialId: Buffer; privateKey: KeyObject; publicJwk: { x: string; y: string }; counter: number },
  ) {
    if (key) {
      ({ credentialId: this.credentialId, privateKey: this.privateKey, publicJwk: this.publicJwk } = key);
      this.counter = key.counter;
      return;
    }
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.publicJwk = { x: jwk.x!, y: jwk.y! };
    this.credentialId = randomBytes(32);
    this.counter = 0;
  }

  /** A second device holding the same private key (what a cloned authenticator is). */
  clone(): SoftwareAuthenticator {
    return new SoftwareAuthenticator(this.origin, this.rpId, {
      credentialId: this.credentialId,
      privateKey: this.privateKey,
      publicJwk: this.publicJwk,
      counter: this.counter,
    });
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** The answer to navigator.credentials.create(options), as RegistrationResponseJSON. */
  register(options: { challenge: string; rp?: { id?: string } }, o: CeremonyOptions = {}): Record<string, unknown> {
    const rpId = o.rpId ?? options.rp?.id ?? this.rpId;
    const cose = new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(this.publicJwk.x, 'base64url')],
      [-3, Buffer.from(this.publicJwk.y, 'base64url')],
    ]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), len, this.credentialId, cbor(cose)]);
    const counter = o.counter ?? this.counter;
    const flags = FLAG_UP | FLAG_AT | (o.userVerified === false ? 0 : FLAG_UV);
    const attestationObject = cbor({
      fmt: 'none',
      attStmt: {},
      authData: this.authData(rpId, flags, counter, attested),
    });
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, o.origin ?? this.origin);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** The answer to navigator.credentials.get(options), as AuthenticationResponseJSON; the counter rises by one. */
  assert(options: { challenge: string; rpId?: string }, o: CeremonyOptions = {}): Record<string, unknown> {
    const rpId = o.rpId ?? options.rpId ?? this.rpId;
    const counter = o.counter ?? ++this.counter;
    const flags = FLAG_UP | (o.userVerified === false ? 0 : FLAG_UV);
    const authenticatorData = this.authData(rpId, flags, counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, o.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
