// Worker threads do not inherit tsx's loader (npm start and the tests run TypeScript through tsx):
// this plain module registers it in the worker, then loads the TypeScript worker named in
// workerData.tsModule. Built code (dist/) loads its .js worker directly and never comes here.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const mod = await import(workerData.tsModule);
export default mod.default;
