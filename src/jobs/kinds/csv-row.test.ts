import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvRow } from './csv-row.js';

test('cells are quoted only when needed, with doubled quotes', () => {
  assert.equal(csvRow(['a', 'b c', 'x,y', 'say "hi"', 'two\nlines', 1.5, true, null, undefined]), 'a,b c,"x,y","say ""hi""","two\nlines",1.5,true,,\r\n');
  assert.equal(csvCell(['a', 'b']), '"[""a"",""b""]"');
  assert.equal(csvCell({ k: 1 }), '"{""k"":1}"');
});

test('text that a spreadsheet would run as a formula is neutralised; numbers are not', () => {
  assert.equal(csvCell('=HYPERLINK("http://evil")'), `"'=HYPERLINK(""http://evil"")"`);
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell(-5), '-5');
});
