// The test command of `pnpm mutate`: the repository's vitest setup, limited to the test files the
// mutation target names (MUTATE_TESTS, comma-separated): the laws, differential tests and fixed fuzzing budgets.
import base from '../vitest.config.ts';

const tests = (process.env.MUTATE_TESTS ?? '').split(',').filter(Boolean);
if (tests.length === 0) throw new Error('MUTATE_TESTS names no test file');

export default { ...base, root: new URL('..', import.meta.url).pathname, test: { ...base.test, include: tests } };
