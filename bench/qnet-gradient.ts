/**
 * Benchmark: gradc's generated gradient of the DQN batch loss against hand-written backprop of the
 * same network, at 4-64-64-2 and 4-256-256-2 with batch 64; and gradient/forward time ratios.
 * One process, interleaved rounds, medians. Run: `npm run bench:qnet`.
 */
import { valueAndGradInto } from "gradc";
import { parameterCount, weightedTdLoss } from "../runtime/rl/networks/mlp.js";
import { HandwrittenQNet } from "./handwritten-qnet.js";

const lossGrad = valueAndGradInto(weightedTdLoss, { wrt: [0] });

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median milliseconds per call of each candidate, measured in interleaved rounds. */
function measure(candidates: Record<string, () => void>, rounds: number, callsPerRound: number): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (const run of Object.values(candidates)) for (let i = 0; i < 50; i++) run(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(candidates)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < callsPerRound; i++) run();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6 / callsPerRound);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

const rows: string[] = [];
for (const hidden of [64, 256]) {
  const sizesList = [4, hidden, hidden, 2];
  const sizes = sizesList as unknown as Float64Array; // small integers: V8 keeps index arithmetic in int registers
  const batch = 64;
  const rnd = lcg(7 + hidden);
  const n = parameterCount(sizes);
  const theta = Float64Array.from({ length: n }, () => rnd() * Math.sqrt(2 / hidden));
  const obs = Float64Array.from({ length: batch * 4 }, rnd);
  const actions = Float64Array.from({ length: batch }, (_, i) => i % 2);
  const targets = Float64Array.from({ length: batch }, () => rnd() * 2);
  const ones = new Float64Array(batch).fill(1); // uniform replay: every importance weight is 1
  const hand = new HandwrittenQNet(sizesList, batch);
  const gGen = new Float64Array(n);
  const gHand = new Float64Array(n);
  const grads = [gGen];

  // Same numbers first: a benchmark of a wrong gradient would mean nothing.
  const vGen = lossGrad(grads, theta, sizes, obs, actions, targets, ones, batch, true);
  const vHand = hand.lossAndGrad(theta, obs, actions, targets, gHand);
  let worst = Math.abs(vGen - vHand);
  for (let k = 0; k < n; k++) worst = Math.max(worst, Math.abs(gGen[k] - gHand[k]));
  if (worst > 1e-10) throw new Error(`generated and hand-written gradients differ by ${worst}`);

  const calls = hidden === 64 ? 20 : 3;
  const t = measure(
    {
      generated: () => lossGrad(grads, theta, sizes, obs, actions, targets, ones, batch, true),
      handwritten: () => hand.lossAndGrad(theta, obs, actions, targets, gHand),
      "forward (generated source)": () => weightedTdLoss(theta, sizes, obs, actions, targets, ones, batch, true),
      "forward (hand-written)": () => hand.loss(theta, obs, actions, targets),
    },
    hidden === 64 ? 60 : 30,
    calls,
  );
  const name = sizesList.join("-");
  rows.push(
    `| ${name} | ${t.generated.toFixed(3)} | ${t.handwritten.toFixed(3)} | ${(t.generated / t.handwritten).toFixed(2)}× | ` +
      `${(t.generated / t["forward (generated source)"]).toFixed(2)} | ${(t.handwritten / t["forward (hand-written)"]).toFixed(2)} |`,
  );
}
console.log("| network (batch 64) | generated gradient ms | hand-written ms | generated / hand-written | generated gradient / forward | hand-written gradient / forward |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
