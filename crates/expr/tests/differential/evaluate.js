// Evaluates each expression of a case file with the reference JSONata (jsonata@2.0.6), for
// the differential test (tests/jsonata_differential.rs). Usage: node evaluate.js <jsonata
// module dir> <cases.json>. Binds $states.input and the case file's workflow variables.
// Prints one JSON result per case: {value} | {undefined: true} | {error: code}.
const path = require('path');
const fs = require('fs');
const jsonata = require(path.join(process.argv[2], 'node_modules', 'jsonata'));
const cases = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));

async function run() {
  const out = [];
  for (const c of cases.expressions) {
    for (const shared of cases.inputs) {
      // A fresh copy each time: jsonata-js may change its input (an object constructor
      // applied to an empty array pushes an undefined item into it).
      const input = JSON.parse(JSON.stringify(shared));
      try {
        const expr = jsonata(c);
        const value = await expr.evaluate(undefined, { ...(cases.variables || {}), states: { input } });
        if (value === undefined) {
          out.push({ undefined: true });
        } else if (typeof value === 'function' || value instanceof RegExp) {
          out.push({ error: 'function' });
        } else {
          out.push({ value: JSON.parse(JSON.stringify(value)) });
        }
      } catch (e) {
        out.push({ error: String(e.code || e.message) });
      }
    }
  }
  process.stdout.write(JSON.stringify(out));
}
run();
