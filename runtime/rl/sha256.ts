/**
 * SHA-256 (FIPS 180-4) in plain JavaScript. Checkpoints end with the SHA-256 of their contents;
 * computing it here rather than with node:crypto lets the trainer's core run in a browser, and
 * keeps it synchronous (Web Crypto's digest is async and needs a secure context). At ~80 MB/s it
 * hashes a 50k-transition CartPole checkpoint in about 60 ms, once every few thousand steps.
 */

const ROUND_CONSTANTS = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_HASH = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The 32-byte SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const hash = new Int32Array(INITIAL_HASH);
  const schedule = new Int32Array(64);
  const fullBlocks = data.length >>> 6;
  for (let block = 0; block < fullBlocks; block++) compress(hash, schedule, data, block * 64);

  // Padding: the remaining bytes, a 1 bit, zeros, and the message length in bits (64-bit big-endian).
  const remaining = data.length - fullBlocks * 64;
  const tail = new Uint8Array(remaining < 56 ? 64 : 128);
  tail.set(data.subarray(fullBlocks * 64));
  tail[remaining] = 0x80;
  const lengthAt = tail.length - 8;
  const bitsHigh = Math.floor(data.length / 0x20000000);
  const bitsLow = (data.length << 3) >>> 0;
  for (let i = 0; i < 4; i++) {
    tail[lengthAt + i] = (bitsHigh >>> (24 - 8 * i)) & 0xff;
    tail[lengthAt + 4 + i] = (bitsLow >>> (24 - 8 * i)) & 0xff;
  }
  for (let offset = 0; offset < tail.length; offset += 64) compress(hash, schedule, tail, offset);

  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    digest[4 * i] = hash[i] >>> 24;
    digest[4 * i + 1] = (hash[i] >>> 16) & 0xff;
    digest[4 * i + 2] = (hash[i] >>> 8) & 0xff;
    digest[4 * i + 3] = hash[i] & 0xff;
  }
  return digest;
}

/** One 64-byte block of `bytes` at `offset` into the running hash. */
function compress(hash: Int32Array, w: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const p = offset + 4 * i;
    w[i] = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = hash[0], b = hash[1], c = hash[2], d = hash[3], e = hash[4], f = hash[5], g = hash[6], h = hash[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + S1 + choice + ROUND_CONSTANTS[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  hash[0] = (hash[0] + a) | 0;
  hash[1] = (hash[1] + b) | 0;
  hash[2] = (hash[2] + c) | 0;
  hash[3] = (hash[3] + d) | 0;
  hash[4] = (hash[4] + e) | 0;
  hash[5] = (hash[5] + f) | 0;
  hash[6] = (hash[6] + g) | 0;
  hash[7] = (hash[7] + h) | 0;
}
