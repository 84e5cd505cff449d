export { rocAuc } from './auc.js';
export { logloss } from './logloss.js';
