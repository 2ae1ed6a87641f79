import type { AlertDestination } from './index.js';

/** A Teams channel through a Workflows webhook ("post to a channel when a webhook request is received"): an Adaptive Card in a message. */
export const teams: AlertDestination = {
  type: 'teams',
  body: (message) => ({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true },
            ...(message.text ? [{ type: 'TextBlock', text: message.text, wrap: true, fontType: 'Monospace' }] : []),
            { type: 'FactSet', facts: message.facts.map((f) => ({ title: f.name, value: f.value })) },
          ],
        },
      },
    ],
  }),
};
