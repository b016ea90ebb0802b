import type { HubConfig } from '../config.ts';
import type { PaymentProvider, PaymentProviderDefinition, WalletId } from './provider.ts';
import { alipayProvider } from './alipay/alipay.provider.ts';
import { unionpayProvider } from './unionpay/unionpay.provider.ts';
import { wechatpayProvider } from './wechatpay/wechatpay.provider.ts';

/** Every wallet this hub speaks; one folder each, the vendor SDK imported only there. */
export const PAYMENT_PROVIDERS: readonly PaymentProviderDefinition[] = [alipayProvider, wechatpayProvider, unionpayProvider] as unknown as PaymentProviderDefinition[];

/**
 * The wallets whose settings are configured (or, in demo mode, whose emulators run); a wallet
 * without settings is not installed and paying with it answers HUTONG_ERR_WALLET_NOT_INSTALLED.
 */
export function configuredProviders(config: HubConfig): Map<WalletId, PaymentProvider> {
  const options = { emulatorsUrl: config.catalogVars.HUTONG_EMULATORS_URL ?? '', demo: config.demoMode };
  const providers = new Map<WalletId, PaymentProvider>();
  for (const definition of PAYMENT_PROVIDERS) {
    const settings = definition.settingsFromEnv(config.catalogVars, options);
    if (settings !== undefined) providers.set(definition.id, definition.create(settings));
  }
  return providers;
}
