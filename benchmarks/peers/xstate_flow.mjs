// The six-step loop in XState v5: one actor per case. Each state that runs a stage clock
// in fengqiao has a delayed transition to a warning (a timer armed on entry, cancelled on
// exit); guards check the actor's role (and the lead handler's org) and the data fengqiao
// requires; the context records what fengqiao's snapshot records.
//   node xstate_flow.mjs CASES   -> one JSON line: {"engine":"xstate",...}
import { assign, createActor, createMachine } from 'xstate';

const DAY = 24 * 3600 * 1000;
const has = (e, ...keys) => keys.every((k) => typeof e.data?.[k] === 'string' && e.data[k] !== '');
const role = (e, ...roles) => roles.includes(e.actor?.role);
const clock = (name, next, ms) => ({ after: { [ms]: { actions: assign({ warnings: ({ context }) => context.warnings + 1 }) } }, tags: [name] });

const loop = createMachine({
  id: 'case',
  initial: 'new_case',
  context: { id: '', lead: null, outcome: null, satisfaction: null, history: 0, warnings: 0 },
  states: {
    new_case: {
      on: {
        register: {
          guard: ({ event }) => role(event, 'intake', 'grid_worker', 'citizen', 'dispatcher') &&
            has(event, 'channel', 'category', 'urgency', 'summary') && Array.isArray(event.data.parties),
          target: 'registered',
          actions: assign({ id: ({ event }) => event.id, history: ({ context }) => context.history + 1 }),
        },
      },
    },
    registered: {
      ...clock('dispatch', 'dispatched', DAY),
      on: {
        dispatch: {
          guard: ({ event }) => role(event, 'dispatcher') && has(event, 'route', 'lead'),
          target: 'dispatched',
          actions: assign({ lead: ({ event }) => event.data.lead, history: ({ context }) => context.history + 1 }),
        },
      },
    },
    dispatched: {
      ...clock('accept', 'handling', DAY),
      on: {
        accept: {
          guard: ({ context, event }) => role(event, 'handler') && event.actor.org === context.lead,
          target: 'handling',
          actions: assign({ history: ({ context }) => context.history + 1 }),
        },
      },
    },
    handling: {
      ...clock('handling', 'concluded', 15 * DAY),
      on: {
        resolve: {
          guard: ({ context, event }) =>
            ((role(event, 'handler') && event.actor.org === context.lead) || role(event, 'mediator')) &&
            has(event, 'method', 'agreement'),
          target: 'concluded',
          actions: assign({ outcome: 'resolved', history: ({ context }) => context.history + 1 }),
        },
      },
    },
    concluded: {
      ...clock('feedback', 'feedback_given', 3 * DAY),
      on: {
        give_feedback: {
          guard: ({ event }) => role(event, 'dispatcher', 'handler', 'intake') && has(event, 'medium', 'content'),
          target: 'feedback_given',
          actions: assign({ history: ({ context }) => context.history + 1 }),
        },
      },
    },
    feedback_given: {
      ...clock('follow_up', 'closed', 10 * DAY),
      on: {
        follow_up: {
          guard: ({ event }) => role(event, 'dispatcher', 'supervisor') &&
            ['satisfied', 'basic'].includes(event.data?.satisfaction),
          target: 'closed',
          actions: assign({ satisfaction: ({ event }) => event.data.satisfaction, history: ({ context }) => context.history + 1 }),
        },
      },
    },
    closed: { type: 'final' },
  },
});

const intake = { id: 'u-intake-1', role: 'intake', org: 'center' };
const dispatcher = { id: 'u-disp-1', role: 'dispatcher', org: 'center' };
const handler = { id: 'u-hj-1', role: 'handler', org: 'justice_xilinji' };
const steps = (id) => [
  { type: 'register', id, actor: intake, data: { channel: 'walk_in', category: 'neighbour', urgency: 'normal',
    jurisdiction: ['daxinganling', 'mohe', 'xilinji'], parties: [{ name: 'Wang Li' }, { name: 'Zhao Gang' }],
    summary: 'Dispute over a shared fence.' } },
  { type: 'dispatch', actor: dispatcher, data: { route: 'people_mediation', lead: 'justice_xilinji', co: ['police_xilinji'] } },
  { type: 'accept', actor: handler, data: {} },
  { type: 'resolve', actor: handler, data: { method: 'people_mediation', agreement: 'Fence moved 0.5 m east.' } },
  { type: 'give_feedback', actor: dispatcher, data: { medium: 'phone', content: 'Agreement sent.' } },
  { type: 'follow_up', actor: dispatcher, data: { satisfaction: 'satisfied' } },
];

const cases = Number(process.argv[2] || 10000);
const run = (n) => {
  let closed = 0;
  for (let i = 0; i < n; ++i) {
    const actor = createActor(loop).start();
    for (const e of steps('C-' + String(i).padStart(8, '0'))) actor.send(e);
    if (actor.getSnapshot().status === 'done') ++closed;
  }
  return closed;
};
run(Math.min(2000, cases));  // warm-up (JIT)
const t0 = process.hrtime.bigint();
const closed = run(cases);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
if (closed !== cases) throw new Error(`only ${closed} of ${cases} cases closed`);
console.log(JSON.stringify({ engine: 'xstate', version: (await import('xstate/package.json', { with: { type: 'json' } })).default.version,
  cases, actions: 6 * cases, seconds, actions_per_s: (6 * cases) / seconds, lifecycles_per_s: cases / seconds }));
