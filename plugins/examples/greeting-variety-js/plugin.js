// Greeting variety: a persona that always opens the same way gets stale fast.
//
// An example DeskMate Studio validator plugin (deskmate:validator@0.1.0) written in
// JavaScript and turned into a WebAssembly component by componentize-js (build.mjs).
// WIT enums arrive as strings ('room', 'persona'); records are plain objects; an
// `option<string>` is a string or undefined.

import { log } from 'deskmate:validator/host@0.1.0';

const MAX_GREETING_CHARS = 4000;

export function info() {
  return {
    id: 'greeting-variety',
    name: 'Greeting variety',
    version: '1.0.0',
    targets: ['persona'],
  };
}

export function validate(target, document) {
  if (target !== 'persona') return [];
  let card;
  try {
    card = JSON.parse(document);
  } catch (e) {
    return [finding('error', 'greetings.unreadable', `the card is not JSON: ${e.message}`)];
  }
  // V2 and V3 keep the character under `data`; V1 at the top level.
  const hasData = card !== null && typeof card.data === 'object' && card.data !== null;
  const fields = hasData ? card.data : card;
  const prefix = hasData ? 'data.' : '';
  const first = typeof fields.first_mes === 'string' ? fields.first_mes : '';
  const alternates = Array.isArray(fields.alternate_greetings)
    ? fields.alternate_greetings.filter((g) => typeof g === 'string')
    : [];
  log('debug', `first message of ${first.length} characters, ${alternates.length} alternates`);

  const found = [];
  if (alternates.length === 0) {
    found.push(finding('warning', 'greetings.no_alternates', 'the persona always opens a chat the same way',
      `${prefix}alternate_greetings`, 'add one or two alternate greetings on the Details tab'));
  }
  const seen = new Set([first.trim()]);
  alternates.forEach((greeting, i) => {
    const text = greeting.trim();
    if (seen.has(text)) {
      found.push(finding('warning', 'greetings.duplicate', `alternate greeting ${i + 1} repeats an earlier greeting`,
        `${prefix}alternate_greetings[${i}]`, 'reword it or remove it'));
    }
    seen.add(text);
  });
  [first, ...alternates].forEach((greeting, i) => {
    if (greeting.length > MAX_GREETING_CHARS) {
      const path = i === 0 ? `${prefix}first_mes` : `${prefix}alternate_greetings[${i - 1}]`;
      found.push(finding('info', 'greetings.long', `a greeting is ${greeting.length} characters long`,
        path, 'long openings crowd the chat window; consider trimming it'));
    }
  });
  return found;
}

function finding(severity, code, message, path, hint) {
  return { severity, code, message, path, hint };
}
