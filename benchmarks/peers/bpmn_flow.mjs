// The six-step loop in bpmn-engine: one engine execution per case of the process in
// six_steps.bpmn (a user task per action, boundary timers for the stage clocks). The
// BPMN file is parsed and serialized once; each case starts from that context. Every
// action is a signal to the waiting task carrying the actor and the data.
//   node bpmn_flow.mjs CASES   -> one JSON line: {"engine":"bpmn-engine",...}
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import * as elements from 'bpmn-elements';
import BpmnModdle from 'bpmn-moddle';
import { Engine } from 'bpmn-engine';
import serializer, { TypeResolver } from 'moddle-context-serializer';

const xml = readFileSync(new URL('./six_steps.bpmn', import.meta.url), 'utf8');
const moddleContext = await new BpmnModdle().fromXML(xml);
const sourceContext = serializer(moddleContext, TypeResolver(elements));

const intake = { id: 'u-intake-1', role: 'intake', org: 'center' };
const dispatcher = { id: 'u-disp-1', role: 'dispatcher', org: 'center' };
const handler = { id: 'u-hj-1', role: 'handler', org: 'justice_xilinji' };
const steps = [
  { actor: intake, data: { channel: 'walk_in', category: 'neighbour', urgency: 'normal',
    jurisdiction: ['daxinganling', 'mohe', 'xilinji'], parties: [{ name: 'Wang Li' }, { name: 'Zhao Gang' }],
    summary: 'Dispute over a shared fence.' } },
  { actor: dispatcher, data: { route: 'people_mediation', lead: 'justice_xilinji', co: ['police_xilinji'] } },
  { actor: handler, data: {} },
  { actor: handler, data: { method: 'people_mediation', agreement: 'Fence moved 0.5 m east.' } },
  { actor: dispatcher, data: { medium: 'phone', content: 'Agreement sent.' } },
  { actor: dispatcher, data: { satisfaction: 'satisfied' } },
];

async function oneCase(id) {
  const waiting = [];
  const listener = new EventEmitter();
  listener.on('activity.wait', (api) => waiting.push(api));
  const engine = new Engine({ name: id, sourceContext });
  let completed = false;
  engine.once('end', () => { completed = true; });
  await engine.execute({ listener, variables: { caseId: id } });
  for (const step of steps) {
    const task = waiting.shift();
    if (!task) throw new Error(`case ${id}: no task is waiting`);
    task.signal(step);
  }
  return completed;
}

async function run(n) {
  let closed = 0;
  for (let i = 0; i < n; ++i) if (await oneCase('C-' + String(i).padStart(8, '0'))) ++closed;
  return closed;
}

const cases = Number(process.argv[2] || 1000);
await run(Math.min(200, cases));  // warm-up (JIT)
const t0 = process.hrtime.bigint();
const closed = await run(cases);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
if (closed !== cases) throw new Error(`only ${closed} of ${cases} cases completed`);
const version = JSON.parse(readFileSync(new URL('./node_modules/bpmn-engine/package.json', import.meta.url))).version;
console.log(JSON.stringify({ engine: 'bpmn-engine', version, cases, actions: 6 * cases, seconds,
  actions_per_s: (6 * cases) / seconds, lifecycles_per_s: cases / seconds }));
