/**
 * The files of a run folder (`slimctr train`) and of a compression folder (`slimctr compress`),
 * by name: every reader and writer takes the names from here.
 */

/** The best model of a run, or the compressed (and fine-tuned) model of a compression folder. */
export const MODEL_FILE = 'model.safetensors';
/** Model, optimizer and loop state to resume a run from. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The resolved config of a run (what --resume and compress read). */
export const CONFIG_FILE = 'config.yaml';
/** One JSON object per evaluation of a run. */
export const METRICS_FILE = 'metrics.jsonl';
/** A run's log lines. */
export const LOG_FILE = 'log.txt';
/** A compression folder: the compressed model before fine-tuning. */
export const PRE_FINETUNE_FILE = 'before-finetune.safetensors';
/** A compression folder: the original trained as long as the fine-tuning ran (the control). */
export const CONTROL_FILE = 'control.safetensors';
/** A compression folder: targets, ranks, spectra and the variants' scores. */
export const REPORT_FILE = 'report.json';
