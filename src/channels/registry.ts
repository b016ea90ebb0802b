import type { HubConfig } from '../config.ts';
import type { Channel } from './channel.ts';
import { alipaySettingsFromEnv, createAlipayChannel } from './alipay/alipay.channel.ts';
import { createWechatChannel, wechatSettingsFromEnv } from './wechat/wechat.channel.ts';
import { createWeiboChannel, weiboSettingsFromEnv } from './weibo/weibo.channel.ts';
import { createTaobaoChannel, taobaoSettingsFromEnv } from './taobao/taobao.channel.ts';

/**
 * The entrances besides the web whose platform settings are configured (or, in demo mode, whose
 * emulators run); an entrance without settings is simply not installed, and its login answers
 * HUTONG_ERR_CHANNEL_NOT_FOUND.
 */
export function configuredChannels(config: HubConfig): Channel[] {
  const env = config.catalogVars as NodeJS.ProcessEnv;
  const options = { emulatorsUrl: config.catalogVars.HUTONG_EMULATORS_URL ?? '', demo: config.demoMode };
  const channels: Channel[] = [];
  const alipay = alipaySettingsFromEnv(env, options);
  if (alipay) channels.push(createAlipayChannel(alipay) as unknown as Channel);
  const wechat = wechatSettingsFromEnv(env, options);
  if (wechat) channels.push(createWechatChannel(wechat) as unknown as Channel);
  const weibo = weiboSettingsFromEnv(env, options);
  if (weibo) channels.push(createWeiboChannel(weibo) as unknown as Channel);
  const taobao = taobaoSettingsFromEnv(env, options);
  if (taobao) channels.push(createTaobaoChannel(taobao) as unknown as Channel);
  return channels;
}
