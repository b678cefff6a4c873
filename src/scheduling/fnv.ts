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

/** FNV-1 32-bit hash of the UTF-8 bytes of the concatenation of `parts` (Go: `fnv.New32()`, `Write` each, `Sum32`). */
export function fnv1Hash32(...parts: string[]): number {
  let h = FNV1_32_OFFSET_BASIS;
  for (const part of parts) h = fnv1Update32(h, part);
  return h;
}
