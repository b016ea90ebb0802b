import { useText } from '../i18n.tsx';

/** Texts of the "Me" page's data access (consents per entrance) and identifier removal. */
const zh = {
  // Data access
  dataAccessTitle: '授权管理',
  dataAccessIntro: '每个入口只能读取您授权给它的数据类别。授权可随时撤回。',
  entranceReads: (entrance: string) => `${entrance}可读取的数据`,
  consentSentence: (entrance: string, version: string) => `打开开关即表示您同意《数据授权说明》（版本 ${version}），允许${entrance}读取该类政务数据。`,
  scopesLabel: (entrance: string) => `${entrance}的数据授权`,
  granted: '已授权',
  notGranted: '未授权',
  grantedAt: (time: string) => `授权于 ${time}`,
  withdrawnAt: (time: string) => `撤回于 ${time}`,
  granting: (scope: string) => `正在授权「${scope}」…`,
  withdrawing: (scope: string) => `正在撤回「${scope}」…`,
  grantDone: (entrance: string, scope: string) => `已授权${entrance}读取「${scope}」类数据。`,
  withdrawQuestion: (entrance: string, scope: string) => `撤回后，${entrance}将在下一次请求时停止读取您的「${scope}」类数据。确定撤回吗？`,
  withdrawYes: '确定撤回',
  withdrawNo: '暂不撤回',
  withdrawDone: (entrance: string, scope: string) => `已撤回：${entrance}不再读取「${scope}」类数据。`,
  disconnect: (entrance: string) => `断开与${entrance}的连接`,
  disconnectQuestion: (entrance: string) =>
    `断开后，${entrance}将不能再读取您的任何数据，所有设备上通过${entrance}的登录都会退出，包括本设备。确定断开吗？`,
  disconnectYes: '确定断开',
  disconnectNo: '取消',
  disconnecting: '正在断开…',
  // Identifiers
  removeIdentifier: '解除绑定',
  removeQuestion: (name: string) => `解除绑定「${name}」后，依赖它的服务将不再显示相关记录，需要时可重新绑定。确定解除吗？`,
  removeYes: '确定解除',
  removeNo: '取消',
  removing: '正在解除…',
  removeDone: (name: string) => `已解除绑定「${name}」。`,
};

export type MeTexts = typeof zh;

const en: MeTexts = {
  dataAccessTitle: 'Data access',
  dataAccessIntro: 'Each entrance reads only the kinds of data you let it read. You can withdraw a consent at any time.',
  entranceReads: (entrance) => `What ${entrance} may read`,
  consentSentence: (entrance, version) => `Switching one on means you agree to the data consent text (version ${version}): ${entrance} may read that kind of government data.`,
  scopesLabel: (entrance) => `Data ${entrance} may read`,
  granted: 'allowed',
  notGranted: 'not allowed',
  grantedAt: (time) => `since ${time}`,
  withdrawnAt: (time) => `withdrawn ${time}`,
  granting: (scope) => `Allowing ${scope}…`,
  withdrawing: (scope) => `Withdrawing ${scope}…`,
  grantDone: (entrance, scope) => `${entrance} may now read your ${scope} data.`,
  withdrawQuestion: (entrance, scope) => `Withdrawing stops ${entrance} from reading your ${scope} data on its next request. Withdraw?`,
  withdrawYes: 'Withdraw',
  withdrawNo: 'Keep it',
  withdrawDone: (entrance, scope) => `Withdrawn: ${entrance} no longer reads your ${scope} data.`,
  disconnect: (entrance) => `Disconnect ${entrance}`,
  disconnectQuestion: (entrance) =>
    `${entrance} will no longer read any of your data, and every login through ${entrance} ends, on every device, this one included. Disconnect?`,
  disconnectYes: 'Disconnect',
  disconnectNo: 'Cancel',
  disconnecting: 'Disconnecting…',
  removeIdentifier: 'Remove',
  removeQuestion: (name) => `Once ${name} is removed, services that need it no longer show its records; you can link it again later. Remove it?`,
  removeYes: 'Remove it',
  removeNo: 'Cancel',
  removing: 'Removing…',
  removeDone: (name) => `${name} is removed.`,
};

const TEXTS = { zh, en } as const;

export default TEXTS;
export { TEXTS as meTexts };

/** The "Me" page texts in the language the app is shown in. */
export function useMeText(): MeTexts {
  return TEXTS[useText().lang];
}
