export { rocAuc, rocAucOrNull, weightedAucInOrder, argsortScores, type Labels, type Scores } from './auc.js';
export { logloss, LOGLOSS_EPS } from './logloss.js';
export { groupAuc, type GroupAucResult } from './group_auc.js';
export { pairedBootstrapAuc, type BootstrapOptions, type PairedAucResult } from './bootstrap.js';
