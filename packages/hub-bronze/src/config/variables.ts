/**
 * `${name}` placeholders in config values, filled from a bundle target's variables.
 *
 * Rules: a name is letters, digits and `_`, not starting with a digit (as in databricks.yml);
 * substitution is one pass (a variable's value is not scanned again); a `$` not followed by `{`
 * is literal text; `$${...}` is rejected because some tools read `$$` as an escape and others
 * do not, so a literal `${` cannot be written in a config value.
 */

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Substitution {
  /** The value with every known placeholder replaced (unknown or malformed ones left as written). */
  readonly value: string;
  /** One message per bad placeholder; empty when the value is usable. */
  readonly problems: readonly string[];
}

interface Token {
  readonly kind: 'text' | 'placeholder' | 'problem';
  readonly text: string;
  readonly name?: string;
}

function* tokens(value: string): Generator<Token> {
  let i = 0;
  let textStart = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar === -1) break;
    const escaped = value.startsWith('$${', dollar);
    const open = escaped ? dollar + 1 : dollar;
    if (value[open + 1] !== '{') {
      i = dollar + 1;
      continue;
    }
    if (dollar > textStart) yield { kind: 'text', text: value.slice(textStart, dollar) };
    const close = value.indexOf('}', open + 2);
    if (close === -1) {
      yield { kind: 'problem', text: `unterminated placeholder ${JSON.stringify(value.slice(dollar))} (expected \${name})` };
      return;
    }
    const written = value.slice(dollar, close + 1);
    const name = value.slice(open + 2, close);
    if (escaped) {
      yield { kind: 'problem', text: `${JSON.stringify(written)} is not supported: "$\${" is not an escape, and a value cannot contain a literal "\${"` };
    } else if (!VARIABLE_NAME.test(name)) {
      yield { kind: 'problem', text: `malformed placeholder ${JSON.stringify(written)} (a variable name is letters, digits and _, not starting with a digit)` };
    } else {
      yield { kind: 'placeholder', text: written, name };
    }
    i = close + 1;
    textStart = i;
  }
  if (textStart < value.length) yield { kind: 'text', text: value.slice(textStart) };
}

function knownList(variables: Readonly<Record<string, string>>): string {
  const names = Object.keys(variables).sort();
  return names.length === 0 ? 'no variables are defined' : `known variables: ${names.join(', ')}`;
}

/** Date tokens of a source path (source-template.ts), which a `$` turns into placeholders by mistake. */
const DATE_TOKEN_NAMES = new Set(['yyyy', 'MM', 'dd', 'HH']);

/** Replaces `${name}` with `variables[name]`; every unknown or malformed placeholder is a problem. */
export function substituteVariables(value: string, variables: Readonly<Record<string, string>>): Substitution {
  let out = '';
  const problems: string[] = [];
  for (const token of tokens(value)) {
    if (token.kind === 'text') {
      out += token.text;
    } else if (token.kind === 'problem') {
      problems.push(token.text);
      out += token.text;
    } else if (token.name !== undefined && Object.hasOwn(variables, token.name)) {
      // Own properties only: `${constructor}` must not resolve through the prototype.
      out += variables[token.name];
    } else if (token.name !== undefined && DATE_TOKEN_NAMES.has(token.name)) {
      // A date token written as a placeholder: `${yyyy}` for `{yyyy}`.
      problems.push(`${token.text} is a placeholder, not a date token: write {${token.name}} (without $) for a date folder`);
      out += token.text;
    } else {
      problems.push(`unknown variable ${token.text}; ${knownList(variables)}`);
      out += token.text;
    }
  }
  return { value: out, problems };
}

/** The names of the well-formed `${name}` placeholders in `text`, each once, in order of first use. */
export function findPlaceholders(text: string): string[] {
  const names = new Set<string>();
  // Line by line, so an unterminated `${` on one line does not hide the placeholders after it.
  for (const line of text.split(/\r\n|\n|\r/)) {
    for (const token of tokens(line)) if (token.kind === 'placeholder' && token.name !== undefined) names.add(token.name);
  }
  return [...names];
}
