// 32-bit FNV-1 (multiply, then xor: not FNV-1a), the hash KubeFed's replica planner uses to break ties
// between clusters of equal weight. Text is hashed as its UTF-8 bytes, as Go hashes a string's bytes.

/** FNV-1 32-bit offset basis (the hash of no bytes). */
export const FNV1_32_OFFSET_BASIS = 0x811c9dc5;
/** FNV-1 32-bit prime. */
export const FNV1_32_PRIME = 0x01000193;

/**
 * Continues an FNV-1 32-bit hash over the UTF-8 bytes of `text` from UTF-16 index `start` on (lone
 * surrogates count as U+FFFD, as `TextEncoder` writes them). `hash` and the result are unsigned 32-bit.
 */
export function fnv1Update32(hash: number, text: string, start = 0): number {
  let h = hash | 0;
  const n = text.length;
  for (let i = start; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h, FNV1_32_PRIME) ^ c;
      continue;
    }
    // Rare: encode the code point's UTF-8 bytes one at a time.
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      cp = 0xfffd;
    }
    if (cp < 0x800) {
      h = Math.imul(h, FNV1_32_PRIME) ^ (0xc0 | (cp >> 6));
    } else if (cp < 0x10000) {
      h = Math.imul(h, FNV1_32_PRIME) ^ (0xe0 | (cp >> 12));
      h = Math.imul(h, FNV1_32_PRIME) ^ (0x80 | ((cp >> 6) & 0x3f));
    } else {
      h = Math.imul(h, FNV1_32_PRIME) ^ (0xf0 | (cp >> 18));
      h = Math.imul(h, FNV1_32_PRIME) ^ (0x80 | ((cp >> 12) & 0x3f));
      h = Math.imul(h, FNV1_32_PRIME) ^ (0x80 | ((cp >> 6) & 0x3f));
    }
    h = Math.imul(h, FNV1_32_PRIME) ^ (0x80 | (cp & 0x3f));
  }
  return h >>> 0;
}

/**
 * Prepares to continue many FNV-1 32-bit hashes over the same `text`: fills `table[0..255]` and returns
 * `step` such that for every 32-bit `h`, `fnv1Update32(h, text) === (table[h & 0xff] + Math.imul(h >>> 8, step)) >>> 0`.
 * So a suffix shared by many hashes (the planner's key) costs one lookup and one multiplication per hash.
 *
 * Why: in a step `h → (h × prime) xor byte` the xor touches only the low 8 bits and the product carries
 * only upwards, so adding `c × 2^8` to `h` adds `c × 2^8 × prime` to the result. Over the text's `k` bytes,
 * `f(h) = f(h mod 2^8) + (h − h mod 2^8) × prime^k (mod 2^32)`; `step` is `2^8 × prime^k`.
 */
export function fnv1SuffixTable32(text: string, table: Int32Array): number {
  const bytes = utf8.encode(text);
  for (let b = 0; b < 256; b++) table[b] = b;
  fnv1UpdateEach32(table, 256, bytes, bytes.length);
  let power = 1;
  for (let i = 0; i < bytes.length; i++) power = Math.imul(power, FNV1_32_PRIME);
  return Math.imul(power, 256);
}

/**
 * Continues the FNV-1 32-bit hashes `hashes[0..count)` in place over `bytes[0..length)`. One chain is a string
 * of dependent multiplications, so four are advanced side by side, kept in registers, for the CPU to overlap.
 */
export function fnv1UpdateEach32(hashes: Int32Array, count: number, bytes: Uint8Array, length: number): void {
  const imul = Math.imul;
  const prime = FNV1_32_PRIME;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    let h0 = hashes[j]!;
    let h1 = hashes[j + 1]!;
    let h2 = hashes[j + 2]!;
    let h3 = hashes[j + 3]!;
    for (let b = 0; b < length; b++) {
      const byte = bytes[b]!;
      h0 = imul(h0, prime) ^ byte;
      h1 = imul(h1, prime) ^ byte;
      h2 = imul(h2, prime) ^ byte;
      h3 = imul(h3, prime) ^ byte;
    }
    hashes[j] = h0;
    hashes[j + 1] = h1;
    hashes[j + 2] = h2;
    hashes[j + 3] = h3;
  }
  for (; j < count; j++) {
    let h = hashes[j]!;
    for (let b = 0; b < length; b++) h = imul(h, prime) ^ bytes[b]!;
    hashes[j] = h;
  }
}

const utf8 = new TextEncoder();

/** FNV-1 32-bit hash of the UTF-8 bytes of the concatenation of `parts` (Go: `fnv.New32()`, `Write` each, `Sum32`). */
export function fnv1Hash32(...parts: string[]): number {
  let h = FNV1_32_OFFSET_BASIS;
  for (const part of parts) h = fnv1Update32(h, part);
  return h;
}
