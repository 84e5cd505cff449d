import type { Command } from '../command.js';
import { info } from './info.js';

/** Every CLI command, in the order `slimctr --help` lists them. */
export const commands: Command[] = [info];
