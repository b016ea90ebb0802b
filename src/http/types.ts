import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { Store } from '../store/db.ts';
import type { CitizenService } from '../identity/citizen.service.ts';
import type { LoginService } from '../identity/login.service.ts';
import type { RealNameService } from '../identity/real-name.service.ts';
import type { LinkService } from '../links/link.service.ts';
import type { PaymentService } from '../payments/payment.service.ts';
import type { ReconciliationService } from '../payments/reconciliation.service.ts';
import type { ConsentService } from '../identity/consent.service.ts';
import type { SessionService } from '../identity/session.service.ts';
import type { RecordsService } from '../records/records.service.ts';
import type { DashboardService } from '../records/dashboard.service.ts';
import type { Shield } from '../shield/shield.ts';
import type { BatchSyncService } from '../records/batch-sync.service.ts';
import type { PartnerAppRepository } from '../channels/partner/partner.repository.ts';
import type { WebChannel } from '../channels/web/web.channel.ts';
import type { BookingService } from '../bookings/booking.service.ts';
import type { WaitingRoomService } from '../bookings/waiting-room.service.ts';
import type { ReminderService } from '../notify/reminder.service.ts';
import type { HubMetrics } from '../operations/metrics.ts';
import type { OperationsService } from '../operations/operations.service.ts';

/** The Fastify instance with the TypeBox type provider, as routes see it. */
export type HubApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The services routes call; routes hold no logic of their own. */
export interface HubServices {
  readonly store: Store;
  /** Hub processes configured to serve together (`HUTONG_PROCESSES`). */
  readonly processes: number;
  readonly catalog: Catalog;
  readonly sessions: SessionService;
  readonly login: LoginService;
  readonly citizens: CitizenService;
  readonly realName: RealNameService;
  readonly links: LinkService;
  readonly payments: PaymentService;
  readonly reconciliation: ReconciliationService;
  readonly consents: ConsentService;
  readonly records: RecordsService;
  readonly dashboard: DashboardService;
  readonly shield: Shield;
  readonly batchSync: BatchSyncService;
  /** The origin clients address (`HUTONG_PUBLIC_URL`), when a proxy in front changes scheme or host. */
  readonly publicOrigin?: string;
  readonly partners: PartnerAppRepository;
  readonly webChannel: WebChannel;
  readonly bookings: BookingService;
  /** Waiting rooms in front of booking services in a burst; `queueLengths()` for the metrics. */
  readonly waitingRoom: WaitingRoomService;
  readonly reminders: ReminderService;
  /** The Prometheus registry of this app and the shield's observer. */
  readonly metrics: HubMetrics;
  readonly operations: OperationsService;
}
