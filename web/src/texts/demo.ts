import { useText } from '../i18n.tsx';

/** Texts of the demo helpers: being a resident of the emulated world, and their phone. */
const zh = {
  pickerTitle: '演示：以模拟居民的身份试用',
  pickerIntro: '演示模式下，互通连着模拟的部门系统。选一位模拟居民，就能用他的手机号登录、核验他的身份、绑定他的车牌和账户——全部是虚构的数据。',
  residentSummary: (sex: 'male' | 'female', birthYear: string) => `${sex === 'male' ? '男' : '女'} · ${birthYear} 年生`,
  inspectionDue: (date: string) => `车辆年检日期 ${date}`,
  choose: (name: string) => `选择${name}`,
  chosen: (name: string) => `已选择模拟居民${name}。`,
  phoneTitle: (phone: string) => `模拟手机 ${phone} 收到的短信`,
  phoneWaiting: '等待短信…',
  fillCode: '填入验证码',
  fillRealName: (name: string) => `填入模拟居民${name}的姓名与身份证号`,
  fillIdentifier: (name: string, value: string) => `填入${name}的号码 ${value}`,
};

export type DemoTexts = typeof zh;

const en: DemoTexts = {
  pickerTitle: 'Demo: try it as a resident of the emulated world',
  pickerIntro:
    'In demo mode Hutong is connected to emulated department systems. Pick one of their residents to log in with their phone, prove their name and link their plate and accounts — all made-up data.',
  residentSummary: (sex, birthYear) => `${sex === 'male' ? 'man' : 'woman'} · born ${birthYear}`,
  inspectionDue: (date) => `vehicle inspection due ${date}`,
  choose: (name) => `Choose ${name}`,
  chosen: (name) => `${name}, a resident of the emulated world, is chosen.`,
  phoneTitle: (phone) => `Texts on the emulated phone ${phone}`,
  phoneWaiting: 'Waiting for a text…',
  fillCode: 'Fill in the code',
  fillRealName: (name) => `Fill in ${name}'s name and national id`,
  fillIdentifier: (name, value) => `Fill in ${name}'s number ${value}`,
};

const TEXTS = { zh, en } as const;

/** The demo helpers' texts in the language the app is shown in. */
export function useDemoText(): DemoTexts {
  return TEXTS[useText().lang];
}
