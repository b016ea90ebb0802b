/**
 * GB/T 2260 administrative-division data used for validation.
 *
 * Only the province level is complete; city/county codes are validated
 * structurally (see `validateRegionCode` in ./identifiers.ts), not against a
 * full code table.
 */

/**
 * The 34 province-level divisions of GB/T 2260, keyed by their 2-digit code.
 *
 * @example
 * PROVINCE_CODES.get('31'); // '上海市'
 */
export const PROVINCE_CODES: ReadonlyMap<string, string> = new Map<string, string>([
  ['11', '北京市'],
  ['12', '天津市'],
  ['13', '河北省'],
  ['14', '山西省'],
  ['15', '内蒙古自治区'],
  ['21', '辽宁省'],
  ['22', '吉林省'],
  ['23', '黑龙江省'],
  ['31', '上海市'],
  ['32', '江苏省'],
  ['33', '浙江省'],
  ['34', '安徽省'],
  ['35', '福建省'],
  ['36', '江西省'],
  ['37', '山东省'],
  ['41', '河南省'],
  ['42', '湖北省'],
  ['43', '湖南省'],
  ['44', '广东省'],
  ['45', '广西壮族自治区'],
  ['46', '海南省'],
  ['50', '重庆市'],
  ['51', '四川省'],
  ['52', '贵州省'],
  ['53', '云南省'],
  ['54', '西藏自治区'],
  ['61', '陕西省'],
  ['62', '甘肃省'],
  ['63', '青海省'],
  ['64', '宁夏回族自治区'],
  ['65', '新疆维吾尔自治区'],
  ['71', '台湾省'],
  ['81', '香港特别行政区'],
  ['82', '澳门特别行政区'],
]);

/** The 4 municipalities directly under the central government (no prefecture-level cities). */
export const MUNICIPALITY_PROVINCE_CODES: ReadonlySet<string> = new Set(['11', '12', '31', '50']);

/** Slugs of the seed cities shipped with Hutong. */
export type SeedCityId =
  | 'shanghai'
  | 'guangzhou'
  | 'shenzhen'
  | 'hangzhou'
  | 'ningbo'
  | 'nanchang'
  | 'qingdao'
  | 'taiyuan'
  | 'foshan'
  | 'wuhan'
  | 'beijing'
  | 'chengdu';

/** Region facts for one seed city. */
export interface SeedCityRegion {
  /** 6-digit GB/T 2260 code (prefecture level; `xx0000` for municipalities). */
  readonly regionCode: string;
  readonly nameZh: string;
  readonly nameEn: string;
  /**
   * Province character + issuing-authority letter used on local plates.
   * Shanghai and Beijing issue several letters; '沪A' / '京A' are demo prefixes only.
   */
  readonly platePrefix: string;
}

/**
 * The 12 seed cities with their region codes and a local licence-plate prefix.
 *
 * @example
 * SEED_CITY_REGIONS.shenzhen.regionCode; // '440300'
 */
export const SEED_CITY_REGIONS: Readonly<Record<SeedCityId, SeedCityRegion>> = Object.freeze({
  shanghai: Object.freeze({ regionCode: '310000', nameZh: '上海市', nameEn: 'Shanghai', platePrefix: '沪A' }),
  guangzhou: Object.freeze({ regionCode: '440100', nameZh: '广州市', nameEn: 'Guangzhou', platePrefix: '粤A' }),
  shenzhen: Object.freeze({ regionCode: '440300', nameZh: '深圳市', nameEn: 'Shenzhen', platePrefix: '粤B' }),
  hangzhou: Object.freeze({ regionCode: '330100', nameZh: '杭州市', nameEn: 'Hangzhou', platePrefix: '浙A' }),
  ningbo: Object.freeze({ regionCode: '330200', nameZh: '宁波市', nameEn: 'Ningbo', platePrefix: '浙B' }),
  nanchang: Object.freeze({ regionCode: '360100', nameZh: '南昌市', nameEn: 'Nanchang', platePrefix: '赣A' }),
  qingdao: Object.freeze({ regionCode: '370200', nameZh: '青岛市', nameEn: 'Qingdao', platePrefix: '鲁B' }),
  taiyuan: Object.freeze({ regionCode: '140100', nameZh: '太原市', nameEn: 'Taiyuan', platePrefix: '晋A' }),
  foshan: Object.freeze({ regionCode: '440600', nameZh: '佛山市', nameEn: 'Foshan', platePrefix: '粤E' }),
  wuhan: Object.freeze({ regionCode: '420100', nameZh: '武汉市', nameEn: 'Wuhan', platePrefix: '鄂A' }),
  beijing: Object.freeze({ regionCode: '110000', nameZh: '北京市', nameEn: 'Beijing', platePrefix: '京A' }),
  chengdu: Object.freeze({ regionCode: '510100', nameZh: '成都市', nameEn: 'Chengdu', platePrefix: '川A' }),
});

/**
 * The 31 mainland province abbreviation characters printed first on motor-vehicle plates.
 *
 * @example
 * PLATE_PROVINCE_CHARS.includes('沪'); // true
 */
export const PLATE_PROVINCE_CHARS: readonly string[] = Object.freeze([
  ...'京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼',
]);
