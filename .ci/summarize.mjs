// Prints vitest's JSON result as the plain closing line CI reads: "<label>: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const [label, file] = process.argv.slice(2);
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${label}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
