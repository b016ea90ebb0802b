/** An app registered on the Weibo open platform emulator. */
export interface WeiboAppRegistration {
  /** The App Key, Weibo's `client_id`. */
  readonly clientId: string;
  /** The App Secret, Weibo's `client_secret`. */
  readonly clientSecret: string;
  readonly name: string;
  /** The registered callback page (授权回调页); a `redirect_uri` must be on its host (with its port). */
  readonly redirectUri: string;
  /**
   * The long-lived access token the app's official account (the hub's Weibo account) granted it
   * through the fan-service platform; direct messages are sent with it.
   */
  readonly officialAccount: { readonly uid: string; readonly screenName: string; readonly accessToken: string };
}

/** Demo apps the emulator registers; demo mode uses the first, whose callback page is the hub's Weibo callback. */
export const WEIBO_DEMO_APPS: readonly WeiboAppRegistration[] = Object.freeze([
  {
    clientId: '2837465019',
    clientSecret: 'a41f0c9e7d2b4e68b3c5d7e9f1a2b3c4',
    name: '互通城市服务',
    redirectUri: 'http://127.0.0.1:3000/v1/channels/weibo/callback',
    officialAccount: { uid: '7510293846', screenName: '互通城市服务', accessToken: '2.00HuTongDemoOfficialAccountToken0x7Q' },
  },
  {
    clientId: '3948576120',
    clientSecret: '0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d',
    name: '互通示例应用',
    redirectUri: 'http://localhost:3000/v1/channels/weibo/callback',
    officialAccount: { uid: '7621304957', screenName: '互通示例', accessToken: '2.00HuTongDemoSecondAppToken0x9R' },
  },
]);
