import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { LocalizedName } from './api.ts';

export type Lang = 'zh' | 'en';

const zh = {
  appName: '互通 · 城市服务',
  brand: '互通 · 城市服务',
  navServices: '服务',
  navMe: '我的',
  navLabel: '主导航',
  switchLanguage: 'English',
  switchLanguageLabel: 'Switch to English',
  loading: '加载中…',
  retry: '重试',
  errorCode: '错误代码',
  homeTitle: '城市服务',
  homeIntro: '一次发布，任意入口办理：交通、缴费、医疗、社保、文化与民政服务。',
  entranceTitle: '当前入口',
  entranceOpenedIn: (name: string) => `您正在通过「${name}」使用互通`,
  entranceWallet: (wallet: string) => `默认支付方式：${wallet}`,
  entranceUnknown: '无法识别当前入口',
  loggedInAs: '已登录',
  notLoggedIn: '未登录',
  logIn: '登录',
  cityTitle: '选择城市',
  servicesOf: (city: string) => `${city}的服务`,
  pickCityFirst: '请先选择一个城市。',
  serviceUnavailable: '暂不可用',
  noServices: '该城市暂无服务。',
  backToCity: (city: string) => `返回${city}`,
  backToServices: '返回服务列表',
  functionsTitle: '服务功能',
  requiredTitle: '需要绑定',
  nothingRequired: '无需绑定证件',
  recordsTitle: '我的记录',
  loginToSee: '登录后即可查看您在该服务中的记录。',
  logInToContinue: '登录后查看',
  recordsLoading: '正在向主管部门查询…',
  noRecords: '暂无记录。',
  sourceStale: (department: string, minutes: number) => `${department}暂时无法访问，以下为 ${minutes} 分钟前的数据。`,
  sourceCached: (department: string, minutes: number) => `${department}的数据来自缓存（${minutes} 分钟前）。`,
  sourceUnavailable: (department: string) => `${department}暂时无法访问，部分记录未显示。`,
  guidanceRealName: '该服务需要先完成实名认证。',
  guidanceIdentifier: '该服务需要先绑定相应证件（如车牌号、户号、借书证）。',
  goToMe: '前往「我的」完成',
  guidanceConsent: (scope: string) => `需要您授权本入口读取「${scope}」类数据。`,
  grantConsent: '同意授权并重试',
  granting: '正在授权…',
  shareTitle: '分享',
  shareButton: '生成分享链接和二维码',
  sharing: '正在生成…',
  shareHint: '链接在任意入口（支付宝、微信、微博、淘宝或浏览器）中都能打开，不含个人信息。',
  shareQrAlt: (name: string) => `「${name}」的二维码`,
  copyLink: '复制链接',
  copied: '已复制',
  loginTitle: '登录',
  loginVia: (name: string) => `通过「${name}」登录`,
  loginRedirecting: (name: string) => `正在前往「${name}」授权登录…`,
  loginRedirectButton: (name: string) => `前往「${name}」登录`,
  phoneLabel: '手机号',
  phoneHint: '中国大陆手机号，用于接收验证码',
  sendCode: '获取验证码',
  sending: '正在发送…',
  codeSentTo: (phone: string) => `验证码已发送至 ${phone}`,
  codeLabel: '验证码',
  codeHint: '短信中的 6 位数字',
  submitLogin: '登录',
  loggingIn: '正在登录…',
  changePhone: '更换手机号',
  resendIn: (seconds: number) => `${seconds} 秒后可重新发送`,
  resend: '重新发送',
  alreadyLoggedIn: '您已登录。',
  continue: '继续',
  handoffPending: '正在完成登录…',
  handoffFailed: '登录未能完成，请重新登录。',
  meTitle: '我的',
  meLoginPrompt: '登录后管理您的实名认证、绑定证件和授权。',
  accountTitle: '账号',
  citizenId: '用户编号',
  entrancesUsed: '登录过的入口',
  lastLogin: (time: string) => `最近登录 ${time}`,
  realNameTitle: '实名认证',
  realNameVerified: (time: string) => `已通过公安部门核验（${time}）`,
  realNameIntro: '姓名与身份证号将由公安部门核验，仅用于确认您本人。',
  nameLabel: '姓名',
  nationalIdLabel: '身份证号',
  consentCheckbox: (version: string) => `我已阅读并同意《数据授权说明》（版本 ${version}），允许本入口读取与我身份相关的政务数据`,
  submitRealName: '提交认证',
  verifying: '正在核验…',
  realNameDone: '实名认证成功。',
  realNameJoined: '实名认证成功：该身份已在其他入口认证，已为您合并账号。',
  identifiersTitle: '已绑定证件',
  noIdentifiers: '尚未绑定证件。',
  verified: '已核验',
  notVerified: '未核验',
  linkTitle: '绑定证件',
  kindLabel: '证件类型',
  valueLabel: '号码',
  issuerLabel: '发证单位',
  issuerCityLabel: '所在城市',
  submitLink: '绑定',
  linking: '正在核验并绑定…',
  linkDone: (display: string) => `已绑定 ${display}。`,
  logout: '退出登录',
  loggingOut: '正在退出…',
  notFoundTitle: '页面不存在',
  notFoundText: '您访问的页面不存在。',
  backHome: '返回首页',
  yes: '是',
  no: '否',
  items: (n: number) => `${n} 项`,
};

export type Messages = typeof zh;

const en: Messages = {
  appName: 'Hutong · City services',
  brand: 'Hutong',
  navServices: 'Services',
  navMe: 'Me',
  navLabel: 'Main',
  switchLanguage: '中文',
  switchLanguageLabel: '切换到中文',
  loading: 'Loading…',
  retry: 'Try again',
  errorCode: 'Error code',
  homeTitle: 'City services',
  homeIntro: 'Published once, reachable from any entrance: traffic, bills, medical, social insurance, culture and civil affairs.',
  entranceTitle: 'Your entrance',
  entranceOpenedIn: (name) => `You are using Hutong through ${name}`,
  entranceWallet: (wallet) => `Pays with ${wallet} by default`,
  entranceUnknown: 'The entrance could not be recognised',
  loggedInAs: 'Logged in',
  notLoggedIn: 'Not logged in',
  logIn: 'Log in',
  cityTitle: 'Choose a city',
  servicesOf: (city) => `Services in ${city}`,
  pickCityFirst: 'Choose a city first.',
  serviceUnavailable: 'Not available yet',
  noServices: 'This city has no services yet.',
  backToCity: (city) => `Back to ${city}`,
  backToServices: 'Back to the services',
  functionsTitle: 'What it does',
  requiredTitle: 'Needs',
  nothingRequired: 'No identifier needed',
  recordsTitle: 'My records',
  loginToSee: 'Log in to see your records in this service.',
  logInToContinue: 'Log in to see them',
  recordsLoading: 'Asking the department…',
  noRecords: 'No records.',
  sourceStale: (department, minutes) => `${department} cannot be reached; these records are from ${minutes} min ago.`,
  sourceCached: (department, minutes) => `${department}'s records come from the cache (${minutes} min ago).`,
  sourceUnavailable: (department) => `${department} cannot be reached; some records are missing.`,
  guidanceRealName: 'This service needs your real name proved first.',
  guidanceIdentifier: 'This service needs an identifier linked first (plate, utility account, library card).',
  goToMe: 'Do it under "Me"',
  guidanceConsent: (scope) => `This entrance needs your consent to read your ${scope} data.`,
  grantConsent: 'Consent and try again',
  granting: 'Giving consent…',
  shareTitle: 'Share',
  shareButton: 'Make a link and QR code',
  sharing: 'Making the link…',
  shareHint: 'The link opens in any entrance (Alipay, WeChat, Weibo, Taobao or a browser) and carries no personal data.',
  shareQrAlt: (name) => `QR code for ${name}`,
  copyLink: 'Copy link',
  copied: 'Copied',
  loginTitle: 'Log in',
  loginVia: (name) => `Log in through ${name}`,
  loginRedirecting: (name) => `Taking you to ${name} to log in…`,
  loginRedirectButton: (name) => `Log in with ${name}`,
  phoneLabel: 'Mobile number',
  phoneHint: 'A mainland China mobile number; the code comes by SMS',
  sendCode: 'Send code',
  sending: 'Sending…',
  codeSentTo: (phone) => `Code sent to ${phone}`,
  codeLabel: 'Code',
  codeHint: 'The 6 digits in the SMS',
  submitLogin: 'Log in',
  loggingIn: 'Logging in…',
  changePhone: 'Use another number',
  resendIn: (seconds) => `Send again in ${seconds} s`,
  resend: 'Send again',
  alreadyLoggedIn: 'You are logged in.',
  continue: 'Continue',
  handoffPending: 'Finishing your login…',
  handoffFailed: 'The login could not be finished; please log in again.',
  meTitle: 'Me',
  meLoginPrompt: 'Log in to manage your real name, identifiers and consents.',
  accountTitle: 'Account',
  citizenId: 'Citizen id',
  entrancesUsed: 'Entrances you logged in through',
  lastLogin: (time) => `last login ${time}`,
  realNameTitle: 'Real name',
  realNameVerified: (time) => `Confirmed by the public-security register (${time})`,
  realNameIntro: 'Your name and national id are checked with the public-security register, only to confirm it is you.',
  nameLabel: 'Name',
  nationalIdLabel: 'National id number',
  consentCheckbox: (version) => `I have read and agree to the data consent text (version ${version}): this entrance may read government data tied to my identity`,
  submitRealName: 'Prove my real name',
  verifying: 'Checking…',
  realNameDone: 'Your real name is proved.',
  realNameJoined: 'Your real name is proved: you had proved it in another entrance, so the two accounts are now one.',
  identifiersTitle: 'Linked identifiers',
  noIdentifiers: 'No identifiers linked yet.',
  verified: 'confirmed',
  notVerified: 'not confirmed',
  linkTitle: 'Link an identifier',
  kindLabel: 'Kind',
  valueLabel: 'Number',
  issuerLabel: 'Issued by',
  issuerCityLabel: 'City',
  submitLink: 'Link',
  linking: 'Checking and linking…',
  linkDone: (display) => `Linked ${display}.`,
  logout: 'Log out',
  loggingOut: 'Logging out…',
  notFoundTitle: 'Page not found',
  notFoundText: 'There is no such page.',
  backHome: 'Home',
  yes: 'yes',
  no: 'no',
  items: (n) => `${n} items`,
};

const MESSAGES: Record<Lang, Messages> = { zh, en };
const STORAGE_KEY = 'hutong.lang';

interface LangState {
  readonly lang: Lang;
  readonly t: Messages;
  setLang(lang: Lang): void;
  /** The name in the current language. */
  pick(name: LocalizedName): string;
}

const LangContext = createContext<LangState | null>(null);

function storedLang(): Lang {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // the choice lasts for this page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = MESSAGES[lang].appName;
  }, [lang]);
  const value = useMemo<LangState>(() => ({ lang, t: MESSAGES[lang], setLang, pick: (name) => name[lang] }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useText(): LangState {
  const state = useContext(LangContext);
  if (!state) throw new Error('useText needs a LangProvider above it');
  return state;
}
