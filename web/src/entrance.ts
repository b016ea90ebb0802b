import { api, type Entrance } from './api.ts';
import { useResource, type Resource } from './resource.ts';

/** The entrances a web page can be open in, each with its own skin. */
export const ENTRANCE_IDS = ['alipay', 'wechat', 'taobao', 'weibo', 'web'] as const;
export type EntranceId = (typeof ENTRANCE_IDS)[number];

const FRAME_NAME_PREFIX = 'hutong-entrance-';

/** The `<iframe name>` (or link target) that opens the app as this entrance. */
export function entranceFrameName(id: EntranceId): string {
  return `${FRAME_NAME_PREFIX}${id}`;
}

function isEntranceId(value: string): value is EntranceId {
  return (ENTRANCE_IDS as readonly string[]).includes(value);
}

/**
 * The entrance the frame this page is in names (`window.name` = `hutong-entrance-<id>`), or null.
 * A frame keeps its name through the platform login's redirects, so the page comes back as the same entrance.
 */
export function namedEntrance(): EntranceId | null {
  const name = typeof window === 'undefined' ? '' : window.name;
  if (!name.startsWith(FRAME_NAME_PREFIX)) return null;
  const id = name.slice(FRAME_NAME_PREFIX.length);
  return isEntranceId(id) ? id : null;
}

/** The skin for an entrance the hub described: its own, or the plain web look for any other. */
export function skinOf(channel: string | undefined): EntranceId {
  return channel !== undefined && isEntranceId(channel) ? channel : 'web';
}

// One question per page: the entrance cannot change while the page is open.
let asked: Promise<Entrance> | null = null;

function askHub(): Promise<Entrance> {
  const named = namedEntrance();
  asked ??= api<Entrance>(named ? `/v1/entrance?channel=${encodeURIComponent(named)}` : '/v1/entrance').catch((failure: unknown) => {
    asked = null; // a retry asks again
    throw failure;
  });
  return asked;
}

/**
 * The entrance this page is open in: the one the frame names, or else the one the hub recognises
 * from the in-app browser's User-Agent. Every part of the app that depends on it reads it here.
 *
 * @example
 *   const entrance = useEntrance()
 *   entrance.data?.preferredWallet // 'wechatpay' in WeChat
 */
export function useEntrance(): Resource<Entrance> {
  return useResource('entrance', () => askHub());
}
