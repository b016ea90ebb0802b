import { useText } from '../i18n.tsx';

/** Texts of a booking service's waiting room, shown while the person waits their turn to book. */
const zh = {
  waitingTitle: '排队等候',
  // No-break spaces keep each number with its unit when a phone wraps the line.
  waitingInQueue: (ahead: number, seconds: number) =>
    ahead === 0 ? `排队中 · 下一位就是您 · 预计等待约\u00a0${seconds}\u00a0秒` : `排队中 · 前面还有\u00a0${ahead}\u00a0人 · 预计等待约\u00a0${seconds}\u00a0秒`,
  waitingHint: '现在预约的人较多，大家按先后顺序排队。请保持本页打开：轮到您时会自动为您预约。',
  waitingAdmitted: '轮到您了，正在为您预约…',
  waitingLeave: '退出排队',
  waitingErrorExplanation: (code: string): string | undefined =>
    ({
      HUTONG_ERR_WAITING_TICKET_EXPIRED: '排队号已失效（轮到您时未及时预约，或本页较长时间未刷新排队状态）。再次预约即可重新排队。',
      HUTONG_ERR_WAITING_TICKET_USED: '这个排队号已用于一次预约。再次预约即可重新排队。',
      HUTONG_ERR_WAITING_TICKET_NOT_FOUND: '找不到您的排队号，请重新预约。',
      HUTONG_ERR_WAITING_TICKET_WRONG_ROOM: '这个排队号属于另一项服务，请重新预约。',
    })[code],
};

export type BookingTexts = typeof zh;

const en: BookingTexts = {
  waitingTitle: 'Your place in the queue',
  waitingInQueue: (ahead, seconds) =>
    ahead === 0 ? `In the queue · you are next · about\u00a0${seconds}\u00a0s` : `In the queue · ${ahead}\u00a0ahead of you · about\u00a0${seconds}\u00a0s`,
  waitingHint: 'Many people are booking right now, so everyone takes a turn in order of arrival. Keep this page open: when your turn comes, the booking is made for you.',
  waitingAdmitted: "It's your turn: booking…",
  waitingLeave: 'Leave the queue',
  waitingErrorExplanation: (code) =>
    ({
      HUTONG_ERR_WAITING_TICKET_EXPIRED: 'Your place in the queue ran out (your turn passed, or this page stopped checking for a while). Book again to queue again.',
      HUTONG_ERR_WAITING_TICKET_USED: 'This place in the queue was used for a booking already. Book again to queue again.',
      HUTONG_ERR_WAITING_TICKET_NOT_FOUND: 'Your place in the queue could not be found; book again.',
      HUTONG_ERR_WAITING_TICKET_WRONG_ROOM: 'This place in the queue is for another service; book again.',
    })[code],
};

const TEXTS = { zh, en } as const;

export default TEXTS;
export { TEXTS as bookingTexts };

/** The booking texts in the language the app is shown in. */
export function useBookingText(): BookingTexts {
  return TEXTS[useText().lang];
}
