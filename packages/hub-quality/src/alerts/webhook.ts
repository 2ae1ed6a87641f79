import type { AlertDestination } from './index.js';

/** A generic webhook receives the JSON document itself: the quality report, or what failed. */
export const webhook: AlertDestination = {
  type: 'webhook',
  body: (message) => message.document,
};
