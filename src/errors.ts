/**
 * The one registry of Hutong's error codes. Every error a client can see is listed here with its
 * HTTP status and a short description; the OpenAPI document publishes this table.
 *
 * @example
 *   throw hutongError('HUTONG_ERR_CITY_NOT_FOUND', `No city with id "${id}"`)
 */
export const ERROR_CODES = {
  HUTONG_ERR_VALIDATION: { status: 400, description: 'The request does not match its schema.' },
  HUTONG_ERR_MALFORMED_BODY: { status: 400, description: 'The request body could not be parsed.' },
  HUTONG_ERR_MALFORMED_REQUEST: { status: 400, description: 'The HTTP request itself is malformed (e.g. unencoded characters in the URL).' },
  HUTONG_ERR_INVALID_PLATE: { status: 400, description: 'The licence plate number is not a valid Chinese plate.' },
  HUTONG_ERR_INVALID_NATIONAL_ID: { status: 400, description: 'The national id fails the GB 11643 rules.' },
  HUTONG_ERR_INVALID_IDENTIFIER: { status: 400, description: 'The identifier (account, card number) has the wrong format.' },
  HUTONG_ERR_INVALID_PHONE: { status: 400, description: 'The phone number is not a mainland mobile number.' },
  HUTONG_ERR_IDENTIFIER_KIND_UNSUPPORTED: { status: 400, description: 'This kind of identifier cannot be linked yet.' },
  HUTONG_ERR_IDENTIFIER_REQUIRED: { status: 400, description: 'The service needs an identifier the citizen has not linked.' },
  HUTONG_ERR_CONSENT_TEXT_OUTDATED: { status: 400, description: 'Consent must be given to the current consent text; the details name its version.' },
  HUTONG_ERR_UNAUTHENTICATED: { status: 401, description: 'A valid bearer token is required.' },
  HUTONG_ERR_LOGIN_CODE_INVALID: { status: 401, description: 'The one-time login code is wrong, used or expired.' },
  HUTONG_ERR_CONSENT_REQUIRED: { status: 403, description: 'The citizen has not consented (or withdrew consent) to this channel reading this data scope.' },
  HUTONG_ERR_IDENTIFIER_NOT_LINKED: { status: 403, description: 'The identifier is not linked to this citizen.' },
  HUTONG_ERR_ADMIN_REQUIRED: { status: 403, description: 'The route is for the hub\'s operators and needs the admin token.' },
  HUTONG_ERR_CITY_NOT_FOUND: { status: 404, description: 'No city with that id.' },
  HUTONG_ERR_SERVICE_NOT_FOUND: { status: 404, description: 'No service with that id in the city.' },
  HUTONG_ERR_CHANNEL_NOT_FOUND: { status: 404, description: 'No entrance channel with that id is installed.' },
  HUTONG_ERR_SCHEMA_NOT_FOUND: { status: 404, description: 'No published schema with that name.' },
  HUTONG_ERR_IDENTIFIER_NOT_FOUND: { status: 404, description: 'No linked identifier with that id.' },
  HUTONG_ERR_ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the method and path.' },
  HUTONG_ERR_DEMO_ONLY: { status: 404, description: 'The route exists only in demo mode, when the hub runs with its emulators (HUTONG_DEMO).' },
  HUTONG_ERR_FAULT_SWITCH_NOT_FOUND: { status: 404, description: 'No emulated department system with that name has fault switches.' },
  HUTONG_ERR_PARTNER_EXISTS: { status: 409, description: 'A partner app with that id is already registered.' },
  HUTONG_ERR_IDENTIFIER_ALREADY_LINKED: { status: 409, description: 'The identifier is already linked to another citizen.' },
  HUTONG_ERR_PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is too large.' },
  HUTONG_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The request body has an unsupported content type.' },
  HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH: { status: 422, description: 'The department that issued the identifier does not register the citizen (by real name and national id) as its holder.' },
  HUTONG_ERR_IDENTIFIER_UNKNOWN: { status: 422, description: 'The department that would have issued the identifier does not know it; check the number.' },
  HUTONG_ERR_IDENTIFIER_UNVERIFIABLE: { status: 422, description: 'No department connected to the hub can confirm who holds the identifier, so it cannot be used.' },
  HUTONG_ERR_LOGIN_CODE_THROTTLED: { status: 429, description: 'Too many login codes requested for this phone; wait and retry.' },
  HUTONG_ERR_INTERNAL: { status: 500, description: 'An unexpected error; it has been logged.' },
  HUTONG_ERR_DEPARTMENT_FAULT: { status: 502, description: 'The department system answered with an error (HTTP 5xx or a malformed answer).' },
  HUTONG_ERR_DEPARTMENT_SOAP_FAULT: { status: 502, description: 'The department\'s SOAP service answered a SOAP Fault.' },
  HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME: { status: 502, description: 'The department\'s FHIR server answered an OperationOutcome error.' },
  HUTONG_ERR_DEPARTMENT_REFUSED: { status: 409, description: 'The department refused the action (e.g. no renewals left); the message says why.' },
  HUTONG_ERR_DEPARTMENT_MAPPING: { status: 502, description: 'The department answer could not be mapped to the standard model.' },
  HUTONG_ERR_DEPARTMENT_UNREACHABLE: { status: 502, description: 'The department system could not be reached.' },
  HUTONG_ERR_SMS_UNAVAILABLE: { status: 502, description: 'The SMS gateway did not accept the message.' },
  HUTONG_ERR_EMULATORS_UNAVAILABLE: { status: 502, description: 'The emulators (demo mode) could not be reached or answered an error.' },
  HUTONG_ERR_CHANNEL_UNAVAILABLE: { status: 502, description: 'The entrance\'s platform could not be reached or answered an error.' },
  HUTONG_ERR_SERVICE_UNAVAILABLE: { status: 503, description: 'The service is listed but not available in this city; the reason says why.' },
  HUTONG_ERR_STORE_UNAVAILABLE: { status: 503, description: 'The data store cannot be reached: what the hub has cached can still be read, changes (payments, bookings, consents, logins) are refused until it is back; retry after Retry-After seconds.' },
  HUTONG_ERR_OVERLOADED: { status: 503, description: 'This hub process is overloaded and sheds load; retry after Retry-After seconds (another process may answer at once).' },
  HUTONG_ERR_WEB_APP_NOT_BUILT: { status: 503, description: 'The citizen web app or the operator console has not been built on this hub; run npm run build:web.' },
  HUTONG_ERR_DEPARTMENT_THROTTLED: { status: 503, description: 'The department system answered 429 Too Many Requests; retry later.' },
  HUTONG_ERR_DEPARTMENT_CIRCUIT_OPEN: { status: 503, description: 'The department failed repeatedly; calls are paused until it recovers.' },
  HUTONG_ERR_DEPARTMENT_NOT_SYNCED: { status: 503, description: 'The department delivers batch files and none has been imported yet; retry shortly.' },
  HUTONG_ERR_DEPARTMENT_BUSY: { status: 503, description: 'The department\'s concurrency limit is reached; the hub does not queue more calls to it.' },
  HUTONG_ERR_DEPARTMENT_TIMEOUT: { status: 504, description: 'The department system did not answer within its deadline.' },
  HUTONG_ERR_SIGNATURE_INVALID: { status: 401, description: 'The request\'s HTTP message signature (RFC 9421) is missing, malformed, does not cover what it must, or does not verify.' },
  HUTONG_ERR_SIGNATURE_EXPIRED: { status: 401, description: 'The request\'s signature is outside its validity window (expired, or created in the future); sign the request again.' },
  HUTONG_ERR_SIGNATURE_REPLAYED: { status: 401, description: 'The signature\'s nonce was already used by this partner; every signed request needs a fresh nonce.' },
  HUTONG_ERR_PARTNER_UNKNOWN: { status: 401, description: 'The signature\'s keyid is not a registered, active partner app.' },
  HUTONG_ERR_INVALID_NAME: { status: 400, description: 'The name is not a name as an identity card prints it (2 to 30 Chinese characters or letters).' },
  HUTONG_ERR_REAL_NAME_REQUIRED: { status: 403, description: 'The citizen must prove their real name (POST /v1/me/real-name) before this.' },
  HUTONG_ERR_REAL_NAME_MISMATCH: { status: 422, description: 'The public-security register does not confirm that name and national id together.' },
  HUTONG_ERR_REAL_NAME_ALREADY_BOUND: { status: 409, description: 'This account has already proved another identity.' },
  HUTONG_ERR_REAL_NAME_THROTTLED: { status: 429, description: 'Too many failed identity checks for this account or this national id today.' },
  HUTONG_ERR_NOTIFICATION_INVALID: { status: 400, description: 'A wallet notification whose signature does not verify, or that cannot be decrypted or read.' },
  HUTONG_ERR_PAYMENT_ALREADY_PAID: { status: 409, description: 'The trade or payable is already paid.' },
  HUTONG_ERR_WALLET_NOT_INSTALLED: { status: 404, description: 'No wallet with that id is configured in this hub.' },
  HUTONG_ERR_WALLET_REFUSED: { status: 422, description: 'The wallet refused the request (amount, state or parameters); the message gives its code.' },
  HUTONG_ERR_WALLET_UNAVAILABLE: { status: 502, description: 'The wallet could not be reached, did not answer in time, or answered an error or an unsigned response.' },
  HUTONG_ERR_PAYMENT_NOT_FOUND: { status: 404, description: 'No payment with that id that you made or that pays something of yours.' },
  HUTONG_ERR_PAYABLE_CHANGED: { status: 409, description: 'The department now asks for a different amount than the payer saw; nothing was charged.' },
  HUTONG_ERR_PAYABLE_NOT_FOUND: { status: 404, description: 'None of your linked identifiers has a record with that id to pay.' },
  HUTONG_ERR_IDEMPOTENCY_KEY_REUSED: { status: 422, description: 'The Idempotency-Key was already used with a different request body.' },
  HUTONG_ERR_IDEMPOTENCY_IN_PROGRESS: { status: 409, description: 'A request with the same Idempotency-Key is still being processed; retry shortly.' },
  HUTONG_ERR_IDEMPOTENCY_KEY_REQUIRED: { status: 400, description: 'This operation needs an Idempotency-Key header (1 to 64 visible ASCII characters).' },
  HUTONG_ERR_LINK_NOT_FOUND: { status: 404, description: 'No link with that code, or it has expired.' },
  HUTONG_ERR_BROWSER_LOGIN_UNSUPPORTED: { status: 400, description: 'The entrance has no browser login (the web logs in by SMS code, partner apps by signed requests).' },
  HUTONG_ERR_LOGIN_STATE_INVALID: { status: 400, description: 'The browser login came back without a valid state for this browser (expired, altered, or started elsewhere); start it again.' },
  HUTONG_ERR_LOGIN_DECLINED: { status: 401, description: 'The person declined the entrance\'s authorization.' },
  HUTONG_ERR_SLOT_NOT_FOUND: { status: 404, description: 'The department lists no open slot with that id for the service (unknown, past, or beyond its booking window).' },
  HUTONG_ERR_SLOT_FULL: { status: 409, description: 'No place is left in the slot; choose another one.' },
  HUTONG_ERR_BOOKING_LIMIT: { status: 409, description: 'The office allows one active booking per person per service per day, and you have one; cancel it first.' },
  HUTONG_ERR_BOOKING_REFUSED: { status: 409, description: 'The department refused to confirm the booking; the place held for you is released. The message gives its reason.' },
  HUTONG_ERR_BOOKING_NOT_FOUND: { status: 404, description: 'No booking with that id that you made or that names you as the partner.' },
  HUTONG_ERR_BOOKING_NOT_CANCELLABLE: { status: 409, description: 'The booking can no longer be cancelled (already over, cancelled, or the department refuses).' },
  HUTONG_ERR_BOOKING_EXPIRED: { status: 409, description: 'The hold on the place ran out before it was confirmed or paid; book again.' },
  HUTONG_ERR_BOOKING_NOT_DUE: { status: 422, description: 'The office takes this booking only when the record is due (e.g. a vehicle within 90 days of its inspection date).' },
  HUTONG_ERR_PARTNER_REQUIRED: { status: 400, description: 'The booking needs the second party\'s name and national id (marriage registration).' },
  HUTONG_ERR_PARTNER_MISMATCH: { status: 403, description: 'Only the person named as the partner, with that proved real name and national id, can confirm.' },
  HUTONG_ERR_TOPIC_NOT_FOUND: { status: 404, description: 'No reminder topic with that id is available in the city.' },
  HUTONG_ERR_CHANNEL_CANNOT_PUSH: { status: 422, description: 'The entrance you use has no push messages; subscribe from another entrance or the web (SMS).' },
  HUTONG_ERR_UNSUBSCRIBE_LINK_INVALID: { status: 400, description: 'The unsubscribe link is altered or not one the hub issued.' },
  HUTONG_ERR_NOTIFICATION_NOT_FOUND: { status: 404, description: 'No notification with that id in your inbox.' },
  HUTONG_ERR_WAITING_ROOM_NOT_FOUND: { status: 404, description: 'The service has no waiting room: it takes bookings directly.' },
  HUTONG_ERR_WAITING_TICKET_NOT_FOUND: { status: 404, description: 'No waiting-room ticket with that id that is yours.' },
  HUTONG_ERR_WAITING_TICKET_WRONG_ROOM: { status: 422, description: 'The waiting-room ticket admits to another service\'s bookings (another city or service) than the one asked for.' },
  HUTONG_ERR_WAITING_TICKET_USED: { status: 409, description: 'The waiting-room ticket was already used: an admitted ticket allows one booking attempt. Join the waiting room again to try once more.' },
  HUTONG_ERR_WAITING_TICKET_EXPIRED: { status: 409, description: 'The waiting-room ticket ran out: admitted but not used in time, or given up by not asking for it for 30 seconds while waiting. Join the waiting room again.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error a client is meant to see: a stable code, a message, and the status from the registry. */
export class HutongError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HutongError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.details = options?.details;
  }
}

/** Creates a {@link HutongError}; `throw hutongError('HUTONG_ERR_CITY_NOT_FOUND', 'No city "x"')`. */
export function hutongError(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }): HutongError {
  return new HutongError(code, message, options);
}

export function isHutongError(error: unknown): error is HutongError {
  return error instanceof HutongError;
}
