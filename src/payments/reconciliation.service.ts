import { hutongError } from '../errors.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { PaymentProvider, StatementLine, WalletId } from './provider.ts';
import type { IntentRow, PaymentRepository } from './payment.repository.ts';
import type { PaymentService } from './payment.service.ts';

/** What reconciliation can find about one trade. */
export type MismatchKind =
  /** The wallet's statement has the payment; the hub holds the trade but not as paid (a lost notification). */
  | 'missing-here'
  /** The wallet's statement has a payment for a trade the hub never made. */
  | 'unknown-trade'
  /** The hub holds the trade as paid; the wallet's statement does not have it. */
  | 'missing-there'
  /** Both have the trade, with different amounts. */
  | 'amount-mismatch'
  /** The statement's refunds and the hub's refunded amount for the trade differ. */
  | 'refund-mismatch'
  /** Paid more than the grace period ago, and its department has still not recorded it. */
  | 'not-recorded-by-department';

export interface ReconciliationEntry {
  readonly kind: MismatchKind;
  readonly wallet: WalletId;
  readonly outTradeNo: string;
  readonly paymentId?: string;
  readonly hubAmountFen?: number;
  readonly walletAmountFen?: number;
  readonly detail: string;
}

export interface ReconciliationReport {
  readonly date: string;
  readonly generatedAt: string;
  readonly wallets: Array<{ wallet: WalletId; statement: 'read' | 'unavailable'; error?: string; lines: number; matched: number }>;
  readonly mismatches: ReconciliationEntry[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instants a China-local day spans. */
function chinaDay(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/**
 * Reconciliation: every wallet's daily statement against the hub's ledger (matched, missing here,
 * missing there, amount and refund differences, trades the hub never made), payments their
 * department has not recorded, and — every 15 minutes — payments left pending, whose wallet is asked.
 */
export class ReconciliationService {
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      readonly payments: PaymentRepository;
      readonly service: PaymentService;
      readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
      readonly audit: AuditTrail;
      /** A payment not recorded by its department after this long is reported. */
      readonly writeBackGraceMs?: number;
    },
  ) {}

  /** Asks the wallet about every payment pending longer than `olderThanMs`; returns how many changed. */
  async settleStalePending(olderThanMs = 15 * 60_000): Promise<number> {
    let changed = 0;
    for (const intent of await this.deps.payments.pendingSince(new Date(Date.now() - olderThanMs), 200)) {
      try {
        const after = await this.deps.service.settle(intent, 'reconciliation: pending too long');
        if (after.state !== intent.state) changed++;
      } catch {
        // The wallet is away: the next round asks again.
      }
    }
    return changed;
  }

  start(intervalMs = 15 * 60_000): void {
    this.#timer = setInterval(() => void this.settleStalePending().catch(() => {}), intervalMs).unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** The report of one China-local day, `YYYY-MM-DD`, across every installed wallet. */
  async reconcileDay(date: string): Promise<ReconciliationReport> {
    if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00+08:00`))) throw hutongError('HUTONG_ERR_VALIDATION', 'date must be YYYY-MM-DD');
    const { from, to } = chinaDay(date);
    const wallets: Array<ReconciliationReport['wallets'][number]> = [];
    const mismatches: ReconciliationEntry[] = [];
    for (const [wallet, provider] of this.deps.providers) {
      if (!provider.downloadStatement) {
        wallets.push({ wallet, statement: 'unavailable', error: 'this wallet offers no statement download', lines: 0, matched: 0 });
        continue;
      }
      let lines: StatementLine[];
      try {
        lines = await provider.downloadStatement(date, { signal: AbortSignal.timeout(20_000) });
      } catch (error) {
        wallets.push({ wallet, statement: 'unavailable', error: (error as Error).message, lines: 0, matched: 0 });
        continue;
      }
      const found = this.#compare(wallet, { from, to }, lines, await this.deps.payments.intentsOfDay(wallet, from, to), await this.deps.payments.findIntentsByTradeNos([...new Set(lines.map((l) => l.outTradeNo))]));
      mismatches.push(...found.mismatches);
      wallets.push({ wallet, statement: 'read', lines: lines.length, matched: found.matched });
    }
    const grace = this.deps.writeBackGraceMs ?? 15 * 60_000;
    for (const intent of await this.deps.payments.unrecordedSince(new Date(Math.min(Date.now() - grace, to.getTime())))) {
      if (intent.paid_at && intent.paid_at >= from && intent.paid_at < to) {
        mismatches.push({
          kind: 'not-recorded-by-department',
          wallet: intent.wallet as WalletId,
          outTradeNo: intent.out_trade_no,
          paymentId: intent.id,
          hubAmountFen: intent.amount_fen,
          detail: `paid ${intent.paid_at.toISOString()}, not recorded by its department yet`,
        });
      }
    }
    const report = { date, generatedAt: new Date().toISOString(), wallets, mismatches };
    await this.deps.audit.record({ actor: 'hub', action: 'reconciliation.day', subject: `date:${date}`, detail: { mismatches: mismatches.length, wallets: wallets.map((w) => `${w.wallet}:${w.statement}`) } });
    return report;
  }

  #compare(wallet: WalletId, day: { from: Date; to: Date }, lines: readonly StatementLine[], ofDay: readonly IntentRow[], named: readonly IntentRow[]): { matched: number; mismatches: ReconciliationEntry[] } {
    const intents = new Map<string, IntentRow>([...ofDay, ...named].map((i) => [i.out_trade_no, i]));
    const paid = new Map<string, number>();
    const refunded = new Map<string, number>();
    for (const line of lines) {
      const into = line.kind === 'payment' ? paid : refunded;
      into.set(line.outTradeNo, (into.get(line.outTradeNo) ?? 0) + Math.abs(line.amountFen));
    }
    const mismatches: ReconciliationEntry[] = [];
    let matched = 0;
    for (const [outTradeNo, walletAmountFen] of paid) {
      const intent = intents.get(outTradeNo);
      const base = { wallet, outTradeNo, walletAmountFen };
      if (!intent) {
        mismatches.push({ ...base, kind: 'unknown-trade', detail: 'the wallet has a payment for a trade this hub never made' });
      } else if (intent.state !== 'succeeded' && intent.refunded_fen === 0) {
        mismatches.push({ ...base, kind: 'missing-here', paymentId: intent.id, hubAmountFen: intent.amount_fen, detail: `the wallet has it paid; the hub has it ${intent.state}` });
      } else if (intent.amount_fen !== walletAmountFen) {
        mismatches.push({ ...base, kind: 'amount-mismatch', paymentId: intent.id, hubAmountFen: intent.amount_fen, detail: 'the amounts differ' });
      } else if ((refunded.get(outTradeNo) ?? 0) !== intent.refunded_fen) {
        mismatches.push({ ...base, kind: 'refund-mismatch', paymentId: intent.id, hubAmountFen: intent.refunded_fen, detail: `refunded ${refunded.get(outTradeNo) ?? 0} fen at the wallet, ${intent.refunded_fen} in the hub` });
      } else {
        matched++;
      }
    }
    for (const intent of ofDay) {
      const paidThatDay = intent.paid_at !== null && intent.paid_at >= day.from && intent.paid_at < day.to;
      if (intent.state === 'succeeded' && paidThatDay && !paid.has(intent.out_trade_no)) {
        mismatches.push({ kind: 'missing-there', wallet, outTradeNo: intent.out_trade_no, paymentId: intent.id, hubAmountFen: intent.amount_fen, detail: 'the hub has it paid; the wallet\'s statement does not' });
      }
    }
    return { matched, mismatches };
  }
}
