import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
const nl = '\r\n';
const text = ['a,b,c','1,2,3','4,5','"x'+nl+'y",2,3','7,8"9,1','','10,11,12','TRAILER,3',''].join(nl);
const p = Readable.from([text]).pipe(parse({ info: true, raw: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: false }));
for await (const r of p) console.log(JSON.stringify(r.record), JSON.stringify(r.raw), r.info.lines);
const p2 = Readable.from(['a,b\r\n1,2']).pipe(parse({ info: true, raw: true, relax_column_count: true }));
for await (const r of p2) console.log(JSON.stringify(r.record), JSON.stringify(r.raw), r.info.lines);
