import type { LocalizedName } from './api.ts';
import type { Lang } from './i18n.tsx';

type Labels = Readonly<Record<string, LocalizedName>>;

export const CATEGORY_LABELS: Labels = {
  traffic: { zh: '交通出行', en: 'Traffic' },
  living: { zh: '生活缴费', en: 'Utilities' },
  medical: { zh: '医疗健康', en: 'Medical' },
  social: { zh: '社会保障', en: 'Social insurance' },
  culture: { zh: '文化教育', en: 'Culture' },
  civil: { zh: '民政与出入境', en: 'Civil affairs' },
};

export const FUNCTION_LABELS: Labels = {
  query: { zh: '查询', en: 'Look up' },
  booking: { zh: '预约', en: 'Book' },
  payment: { zh: '缴费', en: 'Pay' },
  action: { zh: '办理', en: 'Act' },
  notification: { zh: '提醒', en: 'Reminders' },
};

export const IDENTIFIER_LABELS: Labels = {
  plate: { zh: '车牌号', en: 'Licence plate' },
  'utility-account': { zh: '水电燃气户号', en: 'Utility account' },
  'library-card': { zh: '借书证', en: 'Library card' },
  'national-id': { zh: '身份证', en: 'National id' },
  'social-security-number': { zh: '社保号', en: 'Social security number' },
  'driving-licence': { zh: '驾驶证', en: 'Driving licence' },
  'permit-application': { zh: '出入境申请号', en: 'Permit application number' },
};

export const WALLET_LABELS: Labels = {
  alipay: { zh: '支付宝', en: 'Alipay' },
  wechatpay: { zh: '微信支付', en: 'WeChat Pay' },
  unionpay: { zh: '云闪付', en: 'UnionPay' },
};

export const CHANNEL_LABELS: Labels = {
  web: { zh: '网页', en: 'Web' },
  alipay: { zh: '支付宝', en: 'Alipay' },
  wechat: { zh: '微信', en: 'WeChat' },
  weibo: { zh: '微博', en: 'Weibo' },
  taobao: { zh: '淘宝', en: 'Taobao' },
  partner: { zh: '合作应用', en: 'Partner app' },
};

export const DEPARTMENT_LABELS: Labels = {
  'traffic-police': { zh: '交警部门', en: 'Traffic police' },
  'vehicle-administration': { zh: '车管所', en: 'Vehicle administration' },
  'transport-bureau': { zh: '交通运输局', en: 'Transport bureau' },
  'water-company': { zh: '自来水公司', en: 'Water company' },
  'electricity-company': { zh: '电力公司', en: 'Electricity company' },
  'gas-company': { zh: '燃气公司', en: 'Gas company' },
  hospital: { zh: '医院', en: 'Hospital' },
  'social-security': { zh: '人社局', en: 'Social security bureau' },
  library: { zh: '图书馆', en: 'Library' },
  'civil-affairs': { zh: '民政局', en: 'Civil affairs bureau' },
  'exit-entry': { zh: '出入境管理局', en: 'Exit-entry administration' },
};

/** Departments that issue utility accounts, in the order the link form offers them. */
export const UTILITY_ISSUERS = ['water-company', 'electricity-company', 'gas-company'] as const;

const FIELD_LABELS: Labels = {
  id: { zh: '编号', en: 'Number' },
  plate: { zh: '车牌号', en: 'Plate' },
  occurredAt: { zh: '发生时间', en: 'When' },
  location: { zh: '地点', en: 'Where' },
  code: { zh: '代码', en: 'Code' },
  description: { zh: '说明', en: 'Description' },
  fineFen: { zh: '罚款', en: 'Fine' },
  points: { zh: '记分', en: 'Points' },
  status: { zh: '状态', en: 'Status' },
  authority: { zh: '处理机关', en: 'Authority' },
  recordedBy: { zh: '记录方式', en: 'Recorded by' },
  licenceNumberMasked: { zh: '驾驶证号', en: 'Licence number' },
  pointsUsed: { zh: '已记分', en: 'Points used' },
  pointsLeft: { zh: '剩余分', en: 'Points left' },
  cycleEndsOn: { zh: '记分周期截止', en: 'Cycle ends' },
  validUntil: { zh: '有效期至', en: 'Valid until' },
  vehicleClass: { zh: '准驾车型', en: 'Vehicle class' },
  utility: { zh: '类型', en: 'Utility' },
  accountNumber: { zh: '户号', en: 'Account' },
  period: { zh: '账期', en: 'Period' },
  usage: { zh: '用量', en: 'Usage' },
  unit: { zh: '单位', en: 'Unit' },
  amountFen: { zh: '金额', en: 'Amount' },
  dueOn: { zh: '截止日期', en: 'Due' },
  resource: { zh: '地点/医生', en: 'Where / who' },
  start: { zh: '开始', en: 'Starts' },
  end: { zh: '结束', en: 'Ends' },
  capacity: { zh: '名额', en: 'Capacity' },
  remaining: { zh: '剩余名额', en: 'Left' },
  feeFen: { zh: '费用', en: 'Fee' },
  confirmationNumber: { zh: '确认号', en: 'Confirmation' },
  road: { zh: '道路', en: 'Road' },
  level: { zh: '拥堵程度', en: 'Traffic' },
  speedKmh: { zh: '车速 (km/h)', en: 'Speed (km/h)' },
  observedAt: { zh: '观测时间', en: 'Observed' },
  insuredSince: { zh: '参保起始', en: 'Insured since' },
  contributionMonths: { zh: '缴费月数', en: 'Months paid' },
  lastContributionMonth: { zh: '最近缴费月', en: 'Last month paid' },
  pensionBalanceFen: { zh: '养老账户余额', en: 'Pension balance' },
  medicalBalanceFen: { zh: '医保账户余额', en: 'Medical balance' },
  employer: { zh: '单位', en: 'Employer' },
  title: { zh: '书名', en: 'Title' },
  borrowedOn: { zh: '借出日期', en: 'Borrowed' },
  renewalsLeft: { zh: '可续借次数', en: 'Renewals left' },
  overdue: { zh: '已逾期', en: 'Overdue' },
  permitType: { zh: '证件类型', en: 'Permit' },
  submittedAt: { zh: '提交时间', en: 'Submitted' },
  stage: { zh: '进度', en: 'Stage' },
  updatedAt: { zh: '更新时间', en: 'Updated' },
  departmentId: { zh: '主管部门', en: 'Department' },
};

const VALUE_LABELS: Labels = {
  unpaid: { zh: '未缴纳', en: 'unpaid' },
  paid: { zh: '已缴纳', en: 'paid' },
  overdue: { zh: '已逾期', en: 'overdue' },
  camera: { zh: '电子监控', en: 'camera' },
  officer: { zh: '现场执法', en: 'officer' },
  valid: { zh: '有效', en: 'valid' },
  suspended: { zh: '暂停', en: 'suspended' },
  revoked: { zh: '吊销', en: 'revoked' },
  expired: { zh: '已过期', en: 'expired' },
  water: { zh: '水费', en: 'water' },
  electricity: { zh: '电费', en: 'electricity' },
  gas: { zh: '燃气费', en: 'gas' },
  held: { zh: '已锁定', en: 'held' },
  confirmed: { zh: '已确认', en: 'confirmed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  refused: { zh: '被拒绝', en: 'refused' },
  free: { zh: '畅通', en: 'free' },
  slow: { zh: '缓行', en: 'slow' },
  congested: { zh: '拥堵', en: 'congested' },
  blocked: { zh: '阻断', en: 'blocked' },
  active: { zh: '正常参保', en: 'active' },
  submitted: { zh: '已提交', en: 'submitted' },
  reviewing: { zh: '审核中', en: 'reviewing' },
  approved: { zh: '已批准', en: 'approved' },
  producing: { zh: '制证中', en: 'being made' },
  ready: { zh: '可领取', en: 'ready' },
  collected: { zh: '已领取', en: 'collected' },
  rejected: { zh: '未批准', en: 'rejected' },
};

/** The label of `id` in a table, or the id itself for one the app does not know yet. */
export function labelOf(labels: Labels, id: string, lang: Lang): string {
  return labels[id]?.[lang] ?? id;
}

/** A record field's label: known fields by name, others spelled out from camelCase. */
export function fieldLabel(key: string, lang: Lang): string {
  const known = FIELD_LABELS[key];
  if (known) return known[lang];
  const words = key.replace(/Fen$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function valueLabel(value: string, lang: Lang): string {
  return VALUE_LABELS[value]?.[lang] ?? value;
}
