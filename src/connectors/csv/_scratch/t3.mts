import { readFile } from 'node:fs/promises';
import { compileMapping } from '../../mapping.ts';
const src = await readFile('config/mappings/water-csv/bill.jsonata', 'utf8');
const m = compileMapping(src, { timeZone: 'Asia/Shanghai' });
const b = compileMapping(`$map($rows, function($r) { $r.(${src}) })`, { timeZone: 'Asia/Shanghai' });
const row = { accountNumber: '3100123456', holderName: '张*明', period: '202610', previousReading: '1234', currentReading: '1256', usage: '22', amountYuan: '110.00', dueOn: '20261120', status: '未缴' };
const bind = { cityId: 'shanghai', departmentId: 'water-company' };
let t = performance.now();
for (let i = 0; i < 100000; i++) await m.evaluate({ ...row, accountNumber: String(i) }, bind);
console.log('per row µs', (performance.now() - t) / 100000 * 1000);
t = performance.now();
for (let k = 0; k < 100; k++) { const rows = Array.from({length: 1000}, (_, i) => ({ ...row, accountNumber: String(i) })); const out = await b.evaluate({}, { ...bind, rows }); if (k===0) console.log((out as any[]).length, (out as any[])[5]); }
console.log('batch per row µs', (performance.now() - t) / 100000 * 1000);
