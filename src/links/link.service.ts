import { randomInt } from 'node:crypto';
import { hutongError } from '../errors.ts';
import { qrImage } from '../qr-code.ts';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { Principal } from '../identity/session.service.ts';
import type { LinkRepository } from './link.repository.ts';

/** Base-58 without look-alikes (0/O, 1/l/I): codes are read aloud and typed from posters too. */
const ALPHABET = '23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 10;
export const LINK_CODE_PATTERN = `^[${ALPHABET}]{${CODE_LENGTH}}$`;

export interface CreatedLink {
  readonly code: string;
  /** Path on the hub, `/l/{code}`; the route makes it absolute. */
  readonly path: string;
  /** Where the link lands in the web app, once the person is logged in through their entrance. */
  readonly target: string;
  readonly cityId: string;
  readonly serviceId: string;
}

/** The web app page of a service, where a link to it lands. */
export function servicePagePath(cityId: string, serviceId: string): string {
  return `/app/cities/${encodeURIComponent(cityId)}/services/${encodeURIComponent(serviceId)}`;
}

/** The web app page where a "pay for me" link lands. */
export function payPagePath(code: string): string {
  return `/app/pay/${code}`;
}

/**
 * Links that open anywhere: a short code for a service that any entrance opens, logging the person
 * in through whichever app they are in. A link names only the city and the service — never who
 * shared it or whose data it leads to.
 */
export class LinkService {
  constructor(
    private readonly links: LinkRepository,
    private readonly catalog: Catalog,
    private readonly audit: AuditTrail,
  ) {}

  async create(principal: Principal, input: { cityId: string; serviceId: string; payableId?: string; expiresAt?: Date }): Promise<CreatedLink> {
    this.catalog.getService(input.cityId, input.serviceId); // 404s for an unknown city or service
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
      if (await this.links.create({ code, ...input, createdBy: principal.citizenId, createdChannel: principal.channel, expiresAt: input.expiresAt ?? null })) {
        await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: input.payableId ? 'link.create.pay-for-me' : 'link.create', subject: `link:${code}`, cityId: input.cityId, detail: { serviceId: input.serviceId, channel: principal.channel } });
        const target = input.payableId ? payPagePath(code) : servicePagePath(input.cityId, input.serviceId);
        return { code, path: `/l/${code}`, target, cityId: input.cityId, serviceId: input.serviceId };
      }
    }
    throw hutongError('HUTONG_ERR_INTERNAL', 'Could not draw a free link code');
  }

  /** Where a link lands; counts the opening. 404 for an unknown or expired code. */
  async open(code: string): Promise<{ target: string; cityId: string; serviceId: string }> {
    const link = new RegExp(LINK_CODE_PATTERN).test(code) ? await this.links.open(code) : undefined;
    if (!link) throw hutongError('HUTONG_ERR_LINK_NOT_FOUND', 'No link with that code, or it has expired');
    return { target: link.payableId ? payPagePath(code) : servicePagePath(link.cityId, link.serviceId), cityId: link.cityId, serviceId: link.serviceId };
  }

  /** The payable behind a "pay for me" link; 404 for any other code. */
  async payableOf(code: string): Promise<{ payableId: string; cityId: string; serviceId: string }> {
    const link = new RegExp(LINK_CODE_PATTERN).test(code) ? await this.links.find(code) : undefined;
    if (!link?.payableId) throw hutongError('HUTONG_ERR_LINK_NOT_FOUND', 'No "pay for me" link with that code, or it has expired');
    return { payableId: link.payableId, cityId: link.cityId, serviceId: link.serviceId };
  }

  /** The QR code of a link's absolute URL, as SVG or PNG. */
  async qr(code: string, url: string, format: 'svg' | 'png'): Promise<string | Buffer> {
    const link = new RegExp(LINK_CODE_PATTERN).test(code) ? await this.links.find(code) : undefined;
    if (!link) throw hutongError('HUTONG_ERR_LINK_NOT_FOUND', 'No link with that code, or it has expired');
    return qrImage(url, format);
  }
}
