/**
 * Deterministic synthetic loans of the emulated public library's integrated library system, in its
 * API's field names (rdid 读者证号, loanId 借阅流水号, callNo 索书号, loanDate 借书时间, dueDate 应还日期,
 * renewCount/maxRenew 续借次数). Loans last 30 days and each renewal adds 30 days to the due date.
 * Seeded by `city|card`, counted from `referenceDate`.
 */
import { addDays, chinaDate, chinaDateTime, chinaInstant, cityRegion, daysBetween, SeededRandom, type RestCityId } from '../kit/synthetic.ts';
import { holderOf, maskName } from '../../population.ts';

export const LOAN_PERIOD_DAYS = 30;

export interface LibraryLoanRecord {
  loanId: string;
  /** 条码号. */
  barcode: string;
  title: string;
  author: string;
  /** 索书号 (中图法). */
  callNo: string;
  /** 借书时间 "yyyy-MM-dd HH:mm:ss". */
  loanDate: string;
  /** 应还日期 "yyyy-MM-dd". */
  dueDate: string;
  renewCount: number;
  maxRenew: number;
  /** '1' when the due date has passed. */
  overdueFlag: '0' | '1';
  overdueDays: number;
}

export interface LibraryReader {
  /** 读者证号, 12 digits. */
  rdid: string;
  /** 读者姓名: the card holder's name, masked (张*明). */
  rdName: string;
  libName: string;
  loans: LibraryLoanRecord[];
}

const LIBRARY_NAMES: Record<RestCityId, string> = {
  shanghai: '上海图书馆',
  guangzhou: '广州图书馆',
  shenzhen: '深圳图书馆',
  hangzhou: '杭州图书馆',
  ningbo: '宁波图书馆',
  nanchang: '南昌图书馆',
  qingdao: '青岛市图书馆',
  taiyuan: '太原市图书馆',
  foshan: '佛山市图书馆',
  wuhan: '武汉图书馆',
  beijing: '首都图书馆',
  chengdu: '成都图书馆',
};

const BOOKS = [
  ['活着', '余华', 'I247.57/2141'],
  ['平凡的世界', '路遥', 'I247.5/0337'],
  ['围城', '钱钟书', 'I246.5/0385'],
  ['三体', '刘慈欣', 'I247.55/0283'],
  ['红楼梦', '曹雪芹', 'I242.47/0110'],
  ['白鹿原', '陈忠实', 'I247.5/1557'],
  ['边城', '沈从文', 'I246.5/0306'],
  ['骆驼祥子', '老舍', 'I246.5/0148'],
  ['呐喊', '鲁迅', 'I210.6/0142'],
  ['乡土中国', '费孝通', 'C912.82/0151'],
  ['万历十五年', '黄仁宇', 'K248.305/4421'],
  ['长安的荔枝', '马伯庸', 'I247.53/0211'],
  ['文化苦旅', '余秋雨', 'I267/2843'],
  ['百年孤独', '加西亚·马尔克斯', 'I775.45/0037'],
  ['人类简史', '尤瓦尔·赫拉利', 'K02/4723'],
  ['繁花', '金宇澄', 'I247.5/8034'],
  ['人世间', '梁晓声', 'I247.5/3962'],
  ['额尔古纳河右岸', '迟子建', 'I247.5/3731'],
] as const;

/** Renewals each library allows per loan. */
export function maxRenewalsOf(cityId: string): number {
  cityRegion(cityId);
  return new SeededRandom(cityId, 'library-policy').chance(0.5) ? 1 : 2;
}

/**
 * The reader's current loans, oldest first: 0–5 loans borrowed in the 75 days before the reference
 * date, some renewed, some overdue.
 *
 * @throws RangeError for a city no emulator serves.
 */
export function generateLibraryLoans(cityId: string, card: string, referenceDate: Date): LibraryReader {
  const region = cityRegion(cityId);
  const random = new SeededRandom(cityId, card, 'library');
  const now = referenceDate.getTime();
  const today = chinaDate(now);
  const maxRenew = maxRenewalsOf(cityId);
  const count = random.weighted([[0, 2], [1, 3], [2, 3], [3, 2], [4, 1], [5, 1]] as const);
  const books = [...BOOKS];
  const drafts = Array.from({ length: count }, () => {
    const [title, author, callNo] = books.splice(random.int(0, books.length - 1), 1)[0]!;
    // Opening hours 09:00–20:30, whole seconds.
    const borrowedDay = addDays(today, -random.int(1, 75));
    const borrowedAt = chinaInstant(borrowedDay) + (9 * 3600 + random.int(0, 11.5 * 3600)) * 1000;
    const age = daysBetween(borrowedDay, today);
    const renewCount = age < 20 ? 0 : random.int(0, maxRenew);
    return { title, author, callNo, borrowedAt, borrowedDay, renewCount };
  });
  drafts.sort((a, b) => a.borrowedAt - b.borrowedAt);
  const serial = String(random.seed).padStart(10, '0');
  const loans = drafts.map((draft, index): LibraryLoanRecord => {
    const dueDate = addDays(draft.borrowedDay, LOAN_PERIOD_DAYS * (1 + draft.renewCount));
    const overdueDays = Math.max(0, daysBetween(dueDate, today));
    return {
      loanId: `JY${serial}${index + 1}`,
      barcode: `${region.regionCode.slice(0, 2)}${new SeededRandom(cityId, card, draft.title).digits(10)}`,
      title: draft.title,
      author: draft.author,
      callNo: draft.callNo,
      loanDate: chinaDateTime(draft.borrowedAt),
      dueDate,
      renewCount: draft.renewCount,
      maxRenew,
      overdueFlag: overdueDays > 0 ? '1' : '0',
      overdueDays,
    };
  });
  return { rdid: card, rdName: maskName(cardHolder(cityId, card).name), libName: LIBRARY_NAMES[cityId as RestCityId], loans };
}

/** Cards the library issued: the city's 6-digit region code, then 6 digits. */
export function isIssuedCard(cityId: string, card: string): boolean {
  return new RegExp(`^${cityRegion(cityId).regionCode}\\d{6}$`).test(card);
}

/** Who holds a card, by the rules of `emulators/population.ts`. */
function cardHolder(cityId: string, card: string): { nationalId: string; name: string } {
  const holder = holderOf(cityId, 'library-card', card);
  if (!holder) throw new RangeError(`No emulated department for city "${cityId}"`);
  return holder;
}

/**
 * Whether a reader card is held by the person with this national id and name (both must agree), or
 * undefined when the library issued no such card.
 */
export function isCardHolder(cityId: string, card: string, nationalId: string, name: string): boolean | undefined {
  if (!isIssuedCard(cityId, card)) return undefined;
  const holder = cardHolder(cityId, card);
  return holder.nationalId === nationalId && holder.name === name;
}

/** Why a renewal is refused, or undefined when it may go ahead. */
export function renewalRefusal(loan: LibraryLoanRecord): 'overdue' | 'no-renewals-left' | undefined {
  if (loan.overdueFlag === '1') return 'overdue';
  if (loan.renewCount >= loan.maxRenew) return 'no-renewals-left';
  return undefined;
}

/** The loan after one renewal: due 30 days later, one renewal fewer left. */
export function renewedLoan(loan: LibraryLoanRecord): LibraryLoanRecord {
  return { ...loan, dueDate: addDays(loan.dueDate, LOAN_PERIOD_DAYS), renewCount: loan.renewCount + 1 };
}
