import type { Command } from '../command.js';
import { info } from './info.js';
import { inspect } from './inspect.js';
import { synth } from './synth.js';

/** Every CLI command, in the order `slimctr --help` lists them. */
export const commands: Command[] = [info, inspect, synth];
