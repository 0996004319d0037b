import { stopGradient } from "gradc";
import { softplus as sp } from "../fixtures/scalar-helpers.js";
import { K2 } from "./probe-consts.js";
const NEG = -1.5;
const TWO_PI = 2 * Math.PI;
const SCALE = NEG * 2;

export function powNegBase(x: number, n: number): number { return x ** n; }
export function mathPowNegBase(x: number, n: number): number { return Math.pow(x, n); }
export function boolLocal(x: number, y: number): number {
  const pos = x > y;
  let flip = !pos;
  if (y < 0) flip = true;
  return pos ? x * y : flip ? x - y : y * y;
}
function scaleIf(x: number, on: boolean): number { return on ? 2 * x : x; }
export function boolToHelper(x: number, on: boolean): number { return scaleIf(x, on) * scaleIf(x, !on) + scaleIf(x * x, on && x > 0); }
export function multiDecl(x: number): number { let a = 1, b = x * 2; a = a + b; return a * b; }
export function modAssign(x: number, y: number): number { let r = x * 3; r %= y; return r * x; }
export function unaryPlus(x: number): number { return +x * x; }
export function negConst(x: number): number { return NEG * x * x + TWO_PI * x + SCALE; }
export function importedConst(x: number): number { return K2 * x; }
export function emptyInit(x: number): number { let i = 0; let s = 0; for (; i < 3; i++) s += x * i; return s; }
export function noUpdate(x: number): number { let s = 0; for (let i = 0; i < 4;) { s += x ** i; i += 1; } return s; }
export function activeCounter(x: number): number { let s = 0; for (let t = x; t < 5; t += 0.7) s += t * t; return s; }
export function activeWhileCounter(x: number): number { let s = 0; let t = x; while (t < 5) { s += Math.sin(t); t = t + 0.7; } return s + t; }
export function continueDoWhile(x: number): number {
  let s = 0; let i = 0;
  do { i++; if (i === 2) continue; s += x * i; } while (i < 4);
  return s;
}
export function whileTrueBreak(x: number): number {
  let t = x; let k = 0;
  while (true) { if (t > 10) break; t = t * t + 1; k++; }
  return t + k;
}
export function nestedBreak(x: number): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    if (i === 1) continue;
    for (let j = 0; j < 5; j++) { if (j > i) break; s += x ** (i + j) ; }
  }
  return s;
}
export function returnInNested(x: number): number {
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      if (x * i * j > 3) { if (j % 2 === 0) return x * i; return x * j; }
    }
  }
  return x;
}
function decay(v: number, n: number): number { for (let i = 0; i < n; i++) v *= 0.9; return v; }
export function helperMutatesParam(x: number): number { let s = x; const d = decay(x, 3); s += d; return s * x + decay(s, 2); }
function mul(a: number, b: number): number { return a * b; }
export function sameArgTwice(x: number, y: number): number { return mul(x, x) + mul(mul(x, y), mul(y, x)); }
function rpow(x: number, n: number): number { if (n <= 0) return 1; return x * rpow(x, n - 1); }
export function recursive(x: number): number { return rpow(x, 4); }
export function sameLoopVar(x: number): number { let s = 0; for (let i = 0; i < 3; i++) s += x * i; for (let i = 0; i < 3; i++) s *= x + i; return s; }
export function comparisons(x: number, y: number): number {
  let r = 0;
  if (x >= y) r += x; if (x <= y) r += y; if (x !== y) r += x * y; if (x == 1) r += 100; if (x != 2) r += x;
  return r;
}
export function sixParams(a: number, b: number, c: number, d: number, e: number, f: number): number { return a * b + c / d - Math.exp(e * f); }
export function chainAssign(x: number): number { let a = 0; let b = 0; a = b = x * 2; return a * b; }
export function earlyFirst(x: number): number { for (let i = 0; i < 10; i++) { if (x > 0) return x * x; x += 1; } return x; }
export function zeroTrip(x: number, n: number): number { let s = x; for (let k = 0; k < n; k++) s = s * x; return s; }
export function helperCond(x: number): number { if (mul(x, x) > 2) return x; return -x * x; }
export function stopInHelper(x: number): number { return mul(x, x) * mul(x, 2); }
export function commaLoop(x: number): number { let s = 0; for (let i = 0, j = 3; i < j; i++, j--) s += x * (i + j); return s; }
export function mathE(x: number): number { return Math.E * x + Math.LN2; }
export function negConst2(x: number): number { return NEG * x * x + SCALE * x; }
export function twoPi(x: number): number { return TWO_PI * x; }
export function powRoundExp(x: number): number { return (x - 3) ** Math.round(x); }
export function powCounterExp(x: number): number { let s = 0; for (let i = 0; i < 4; i++) s += (x - 2) ** i; return s; }
export function powLiteralNeg(x: number): number { return x ** 3 + Math.pow(x, 2) + x ** -1; }
export function powStopExp(x: number, y: number): number { return x ** stopGradient(y); }
function sqh(x: number): number { return x * x; }
function firstAbove(x: number, limit: number): number { let t = x; for (let i = 0; i < 100; i++) { if (t > limit) return t; t = t * 1.5 + 0.1; } return -1; }
function deep(x: number): number { let s = 0; for (let i = 1; i < 4; i++) s += firstAbove(x * i, 2); return s; }
export function helperLoopCond(x: number): number { let t = x; let k = 0; while (sqh(t) < 10) { t = t + sqh(x) * 0.3; k++; } return t * k + deep(x); }
export function branchOverwrite(x: number): number { for (let i = 0; i < 6; i++) { if (i % 2 === 0) x = Math.sin(x) + 1; else x = x * x; } return x; }
export function swapFib(x: number, y: number): number { let a = x; let b = y; for (let i = 0; i < 6; i++) { const t = a; a = b; b = t + b * 0.5; } return a * b; }
export function selfOps(x: number): number { let a = x; a = a * a; a += a; let b = a; b = b / (b + 1); b -= b * b; let c = x; c *= c; c = c * c * c; return a + b + c; }
export function condAssigned(x: number, y: number): number { let z = 0; let w: number; if (x > y) { z = x; w = y; } else { w = x * y; } return z * w + w; }
export function doBreakReturn(x: number): number { let t = x; let n = 0; do { t = t * 1.7; n++; if (t > 50) break; if (t < -50) return t; } while (n < 20); return t + n; }
export function loopLet(x: number): number { let s = 0; for (let i = 0; i < 5; i++) { let q: number; if (i < 2) q = x * i; else q = Math.cos(x + i); s = s * 0.5 + q; } return s; }
export function subSelf(x: number, y: number): number { let a = x * y; a -= a; let b = y; b += b; b *= b; return a + b * x; }
export function namesBar(x: number, x_bar: number): number { const x_dot = x * x_bar; const d1 = Math.sin(x_dot); let r_dot1 = d1 * x; r_dot1 += x_bar; return r_dot1 * x_dot; }
export function namesValue(value: number, cotangent: number): number { const tangent = value * cotangent; const adjoint = Math.exp(tangent); return adjoint + value; }
export function longLoop(r: number): number { let x = 0.3; for (let i = 0; i < 3000; i++) { x = r * x * (1 - x); } return x; }
export function longNested(a: number): number { let s = 0; for (let i = 0; i < 100; i++) { for (let j = 0; j < 100; j++) { s = Math.sin(s + a * 0.001 * (i - j)); } } return s; }
export function constOut(x: number, y: number): number { const k = Math.sin(2.5); return k * 3 + (y > 100 ? y : 0); }
export function unusedParam(x: number, y: number): number { return x * x; }
export function literals(x: number): number { return 1_000 * x + .5 * x * x + 0x1F - 1e-3 / x; }
export function maxTie(x: number): number { return Math.max(x, x) + Math.min(x * 2, x + x) + Math.hypot(x) + Math.max(x); }
export function activeIncCounter(x: number): number { let s = 0; for (let t = x; t < 5; t++) s += t * t; return s; }
export function countDown(x: number, n: number): number { let s = 0; for (let i = n; i > 0; i--) s = s * x + i; return s; }
export function ternaryCond(x: number, y: number): number { if ((x > 0 ? x : -x) > 1 && (y < 0 ? -y : y) < 2) return x * y; return x + y; }
export function boolValued(x: number, flag: boolean): number { const b = flag && x > 0; const c = b || x < -1; if (c === true) return x * 3; return b ? x : x * x; }
function isBig(x: number): boolean { return x > 3; }
export function boolHelper(x: number): number { return isBig(x * x) ? x : -x; }
export function hoisted(x: number): number { return later(x) * 2; }
function later(x: number): number { return Math.exp(x) - x; }
const arrowSq = (x: number): number => x * x;
export function arrowHelper(x: number): number { return arrowSq(x) + 1; }
export function aliased(x: number): number { return sp(x) * 2; }
