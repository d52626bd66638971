import { test } from 'node:test';
import { bankScenario } from './bank-scenario.js';

test('examples/bank on sqlite', { timeout: 300_000 }, (t) => bankScenario(t, 'sqlite'));
