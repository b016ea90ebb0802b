import { readFile } from 'node:fs/promises';
import { compileMapping } from '../../mapping.ts';
const src = await readFile('config/mappings/water-csv/bill.jsonata', 'utf8');
const v2 = `(
  $month := $replace(period, "-", "");
  $due := $replace(dueOn, "-", "");
  $period := $substring($month, 0, 4) & "-" & $substring($month, 4, 2);
  {
    "id": accountNumber & "-" & $period,
    "cityId": $cityId,
    "departmentId": $departmentId,
    "utility": "water",
    "accountNumber": accountNumber,
    "period": $period,
    "usage": $number(usage),
    "unit": "m3",
    "amountFen": $yuanToFen(amountYuan),
    "dueOn": $substring($due, 0, 4) & "-" & $substring($due, 4, 2) & "-" & $substring($due, 6, 2),
    "status": status = "未缴" ? "unpaid" : status = "已缴" ? "paid" : status = "逾期" ? "overdue"
  }
)`;
const v3 = `(
  $period := $replace(period, /^(\\d{4})-?(\\d{2})$/, "$1-$2");
  {
    "id": accountNumber & "-" & $period,
    "cityId": $cityId,
    "departmentId": $departmentId,
    "utility": "water",
    "accountNumber": accountNumber,
    "period": $period,
    "usage": $number(usage),
    "unit": "m3",
    "amountFen": $yuanToFen(amountYuan),
    "dueOn": $replace(dueOn, /^(\\d{4})-?(\\d{2})-?(\\d{2})$/, "$1-$2-$3"),
    "status": status = "未缴" ? "unpaid" : status = "已缴" ? "paid" : status = "逾期" ? "overdue"
  }
)`;
const row = { accountNumber: '3100123456', holderName: '张*明', period: '202610', previousReading: '1234', currentReading: '1256', usage: '22', amountYuan: '110.00', dueOn: '20261120', status: '未缴' };
const bind = { cityId: 'shanghai', departmentId: 'water-company' };
for (const [name, s] of [['orig', src], ['v2', v2], ['v3', v3], ['orig', src], ['v2', v2], ['v3', v3]] as const) {
  const m = compileMapping(s, { timeZone: 'Asia/Shanghai' });
  for (let i = 0; i < 5000; i++) await m.evaluate({ ...row, accountNumber: String(i) }, bind);
  const t = performance.now();
  for (let i = 0; i < 50000; i++) await m.evaluate({ ...row, accountNumber: String(i) }, bind);
  console.log(name, ((performance.now() - t) / 50000 * 1000).toFixed(1), 'µs', JSON.stringify(await m.evaluate(row, bind)));
}
