/**
 * A test whose every assertion sits inside a loop passes when the loop runs zero times. This rule reports
 * such tests; assert something outside the loop too (the list's length or contents), so an empty list
 * fails.
 */
const LOOPS = new Set([
  'ForStatement',
  'ForOfStatement',
  'ForInStatement',
  'WhileStatement',
  'DoWhileStatement',
]);
const ITERATING_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'every', 'some', 'reduce']);

function isTestCall(node) {
  const callee = node.callee;
  if (callee.type === 'Identifier') return callee.name === 'it' || callee.name === 'test';
  // it.each(table)('name', fn)
  return (
    callee.type === 'CallExpression' &&
    callee.callee.type === 'MemberExpression' &&
    callee.callee.object.type === 'Identifier' &&
    ['it', 'test'].includes(callee.callee.object.name)
  );
}

function isIteratingCallback(parent, node) {
  return (
    parent?.type === 'CallExpression' &&
    parent.arguments.includes(node) &&
    parent.callee.type === 'MemberExpression' &&
    parent.callee.property.type === 'Identifier' &&
    ITERATING_METHODS.has(parent.callee.property.name)
  );
}

/** Every `expect(…)` call under `node`, with whether a loop encloses it (within the test). */
function collectExpects(node, inLoop, parent, found) {
  if (!node || typeof node.type !== 'string') return;
  if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'expect') {
    found.push(inLoop);
  }
  const loopHere =
    inLoop ||
    LOOPS.has(node.type) ||
    ((node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') &&
      isIteratingCallback(parent, node));
  for (const [key, value] of Object.entries(node)) {
    if (key === 'parent') continue;
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) {
      if (child && typeof child.type === 'string') collectExpects(child, loopHere, node, found);
    }
  }
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'a test must assert something outside loops, or an empty list passes it' },
    messages: {
      loopOnly:
        'Every assertion of this test is inside a loop: assert the list (its length or contents) outside the loop too, so an empty list fails.',
    },
    schema: [],
  },
  create(context) {
    return {
      CallExpression(node) {
        if (!isTestCall(node)) return;
        const body = node.arguments.find(
          (a) => a.type === 'ArrowFunctionExpression' || a.type === 'FunctionExpression',
        );
        if (!body) return;
        const found = [];
        collectExpects(body.body, false, body, found);
        if (found.length > 0 && found.every(Boolean)) context.report({ node, messageId: 'loopOnly' });
      },
    };
  },
};
