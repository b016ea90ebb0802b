import assert from 'node:assert/strict';

/** Where each wallet's emulator takes a "scan and pay" from its app, and a payer as that wallet names its users. */
export const WALLET_PAY = {
  alipay: { path: '/alipay-pay/_demo/pay', payerId: '2088000012345678' },
  wechatpay: { path: '/wechatpay/_demo/pay', payerId: 'payer-openid-1' },
  unionpay: { path: '/unionpay/_demo/pay', payerId: 'payer-1' },
} as const;

export type DemoWallet = keyof typeof WALLET_PAY;

/** The wallet's app scans a checkout's QR code and pays it, as its user would. */
export async function scanAndPay(emulatorsUrl: string, wallet: DemoWallet, qrCodeContent: string): Promise<void> {
  const { path, payerId } = WALLET_PAY[wallet];
  const res = await fetch(`${emulatorsUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qrCodeContent, payerId }) });
  assert.equal(res.status, 200, `${wallet} pay: ${res.status} ${await res.text()}`);
}
