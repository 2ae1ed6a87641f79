import type { AlertDestination } from './index.js';

/** A Slack incoming webhook: `text` is the notification fallback, `blocks` what the channel shows. */
export const slack: AlertDestination = {
  type: 'slack',
  body: (message) => ({
    text: `${message.title}\n${message.text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
      ...(message.text ? [{ type: 'section', text: { type: 'mrkdwn', text: '```' + message.text.slice(0, 2900) + '```' } }] : []),
      // Slack takes at most 10 fields in a section.
      { type: 'section', fields: message.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${f.name}:*\n${f.value}` })) },
    ],
  }),
};
