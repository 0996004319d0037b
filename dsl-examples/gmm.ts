/**
 * ADBench's Gaussian mixture model objective (the "GMM" benchmark of Srajer, Habib and
 * Fitzgibbon, "A benchmark of selected algorithmic differentiation tools on some problems in
 * computer vision and machine learning", 2018), written as differentiable TypeScript.
 *
 * Parameters of k components in d dimensions:
 *   alphas: k mixture weights (log-space, unnormalised)
 *   means:  k × d component means
 *   icf:    k × d(d+1)/2 inverse-covariance factors: for each component, d log-diagonal entries
 *           of Q, then the d(d−1)/2 strictly-lower-triangular entries, column by column.
 * Data x: n × d points. Wishart prior with parameters gamma and m.
 */

/** log of the multivariate gamma function Γ_p(a). */
function logMultiGamma(a: number, p: number): number {
  let out = 0.25 * p * (p - 1) * Math.log(Math.PI);
  for (let j = 1; j <= p; j++) out += logGamma(a + 0.5 * (1 - j));
  return out;
}

/** log Γ(x) for x ≥ 0.5 (Lanczos approximation, g = 7, about 15 correct digits). */
export function logGamma(x: number): number {
  const z = x - 1;
  let a = 0.99999999999980993;
  a += 676.5203681218851 / (z + 1);
  a += -1259.1392167224028 / (z + 2);
  a += 771.32342877765313 / (z + 3);
  a += -176.61502916214059 / (z + 4);
  a += 12.507343278686905 / (z + 5);
  a += -0.13857109526572012 / (z + 6);
  a += 9.9843695780195716e-6 / (z + 7);
  a += 1.5056327351493116e-7 / (z + 8);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log Σ exp(v[offset … offset+count)), shifted by the maximum for stability. */
function logSumExp(v: Float64Array, offset: number, count: number): number {
  let mx = v[offset];
  for (let i = 1; i < count; i++) mx = Math.max(mx, v[offset + i]);
  let s = 0;
  for (let i = 0; i < count; i++) s += Math.exp(v[offset + i] - mx);
  return Math.log(s) + mx;
}

/**
 * The objective as ADBench defines it: Σᵢ logsumexpₖ(αₖ + Σ log diag Qₖ − ½‖Qₖ(xᵢ − μₖ)‖²)
 * − n·logsumexp(α) − n·d/2·log 2π, plus the Wishart prior term (which includes −k·C, C from
 * the log multivariate gamma function).
 */
export function gmmObjective(
  alphas: Float64Array,
  means: Float64Array,
  icf: Float64Array,
  x: Float64Array,
  d: number,
  k: number,
  n: number,
  gamma: number,
  m: number,
): number {
  const icfSize = (d * (d + 1)) / 2;
  const mainTerm = new Float64Array(k);
  const xc = new Float64Array(d);
  const qxc = new Float64Array(d);
  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    for (let ik = 0; ik < k; ik++) {
      const q = ik * icfSize;
      let sumQ = 0;
      for (let j = 0; j < d; j++) {
        sumQ += icf[q + j];
        xc[j] = x[ix * d + j] - means[ik * d + j];
      }
      // Q·(x − μ): the diagonal exp(icf), then the lower triangle column by column.
      for (let j = 0; j < d; j++) qxc[j] = Math.exp(icf[q + j]) * xc[j];
      let l = q + d;
      for (let i = 0; i < d; i++) {
        for (let j = i + 1; j < d; j++) {
          qxc[j] += icf[l] * xc[i];
          l++;
        }
      }
      let sq = 0;
      for (let j = 0; j < d; j++) sq += qxc[j] * qxc[j];
      mainTerm[ik] = alphas[ik] + sumQ - 0.5 * sq;
    }
    slse += logSumExp(mainTerm, 0, k);
  }
  const constant = -n * d * 0.5 * Math.log(2 * Math.PI);
  let objective = constant + slse - n * logSumExp(alphas, 0, k);

  // Wishart prior on the inverse covariances.
  const nw = d + m + 1;
  const c = nw * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logMultiGamma(0.5 * nw, d);
  let prior = 0;
  for (let ik = 0; ik < k; ik++) {
    const q = ik * icfSize;
    let frobenius = 0;
    let sumQ = 0;
    for (let j = 0; j < d; j++) {
      const diag = Math.exp(icf[q + j]);
      frobenius += diag * diag;
      sumQ += icf[q + j];
    }
    for (let j = d; j < icfSize; j++) frobenius += icf[q + j] * icf[q + j];
    prior += 0.5 * gamma * gamma * frobenius - m * sumQ;
  }
  objective += prior - k * c;
  return objective;
}
