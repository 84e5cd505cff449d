/** The slimctr version, written into every saved model. Keep in step with package.json. */
export const VERSION = '0.1.0';
