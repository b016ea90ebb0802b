/** An app (公众号 / 小程序) registered with the WeChat emulator. */
export interface WechatAppRegistration {
  readonly appId: string;
  readonly appSecret: string;
  readonly name: string;
  /** Subscribe-message templates the app has picked; each takes `thing1` (title) and `thing2` (body). */
  readonly subscribeTemplateIds: readonly string[];
  /** The web authorization domains (网页授权域名): a `redirect_uri` must be on one of these hosts exactly. */
  readonly webAuthDomains: readonly string[];
}

/**
 * The demo apps the emulator registers. Both belong to one WeChat Open Platform account, so a person
 * has one unionid across them and a different openid in each. Demo mode uses the first.
 */
export const WECHAT_DEMO_APPS: readonly WechatAppRegistration[] = Object.freeze([
  {
    appId: 'wx6f2d8c41a9e07b35',
    appSecret: '3b8e1f0c6a2d4e9f8b7c5a1d0e3f2c4b',
    name: '互通城市服务',
    subscribeTemplateIds: ['Hk3vQ9XcT2bLrN7wYp4sEeM1dJ6uZ0aFgRiOhC5tWqU'],
    // The hub on loopback, whatever its port.
    webAuthDomains: ['127.0.0.1', 'localhost'],
  },
  {
    appId: 'wx0c7e5b2a84d1f963',
    appSecret: '9d2c4b6a8e0f1a3c5e7b9d1f3a5c7e90',
    name: '互通示例小程序',
    subscribeTemplateIds: ['Pz8mL2kJ5hG7fD9sA1qW3eR6tY0uI4oPxCvBnMzQaSd'],
    webAuthDomains: ['127.0.0.1', 'localhost'],
  },
]);
