/** An app registered on the Taobao open platform emulator. */
export interface TaobaoAppRegistration {
  /** The App Key, `client_id` in OAuth and `app_key` in TOP calls. */
  readonly clientId: string;
  /** The App Secret, `client_secret` in OAuth and the TOP signing key. */
  readonly clientSecret: string;
  readonly name: string;
  /** The registered callback URL; a `redirect_uri` must be on its host (with its port). */
  readonly redirectUri: string;
}

/** Demo apps the emulator registers; demo mode uses the first, whose callback URL is the hub's Taobao callback. */
export const TAOBAO_DEMO_APPS: readonly TaobaoAppRegistration[] = Object.freeze([
  {
    clientId: '34859201',
    clientSecret: 'c7e2a9f04b1d4c6e8a3f5b7d9e1c2a4f',
    name: '互通城市服务',
    redirectUri: 'http://127.0.0.1:3000/v1/channels/taobao/callback',
  },
  {
    clientId: '34920577',
    clientSecret: '5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
    name: '互通示例应用',
    redirectUri: 'http://localhost:3000/v1/channels/taobao/callback',
  },
]);
