import { loadMappingFile } from '../../mapping.ts';
const m = await loadMappingFile('config/mappings/water-csv/bill.jsonata', { timeZone: 'Asia/Shanghai' });
const row = { accountNumber: '3100123456', holderName: '张*明', period: '202610', previousReading: '1234', currentReading: '1256', usage: '22', amountYuan: '110.00', dueOn: '20261120', status: '未缴' };
console.log(await m.evaluate(row, { cityId: 'shanghai', departmentId: 'water-company' }));
const t = performance.now();
for (let i = 0; i < 20000; i++) await m.evaluate({ ...row, accountNumber: String(i) }, { cityId: 'shanghai', departmentId: 'water-company' });
console.log('per row µs', (performance.now() - t) / 20000 * 1000);
try { await m.evaluate({ ...row, amountYuan: 'abc' }, { cityId: 'shanghai', departmentId: 'water-company' }); } catch (e) { console.log('err', (e as Error).message, Object.keys(e as object)); }
try { await m.evaluate({ ...row, usage: 'x' }, { cityId: 'shanghai', departmentId: 'water-company' }); } catch (e) { console.log('err', (e as any).message, (e as any).code); }
console.log(await m.evaluate({ ...row, status: '??' }, { cityId: 'shanghai', departmentId: 'water-company' }));
