/**
 * The references a CSV upload has already closed, in constant space per reference: a 64-bit fingerprint
 * (two 32-bit FNV-1a hashes with different offsets) in an open-addressing table of typed arrays — 8 bytes a
 * slot, the table doubling at half full — so a million-line upload costs ~16 MB, not a Set of a million
 * strings. Two different references share a fingerprint with a probability of about n²/2⁶⁵ (3·10⁻⁸ at a
 * million); a false "seen" refuses one shipment, it never lets one through.
 */
export class ReferenceSet {
  private lo = new Uint32Array(1 << 12);
  private hi = new Uint32Array(1 << 12);
  private used = 0;

  /** Adds the reference; true when it was already there. */
  add(ref: string): boolean {
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ 0x9e3779b9;
    for (let i = 0; i < ref.length; i++) {
      const c = ref.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    a >>>= 0;
    b = (b | 1) >>> 0; // 0 marks an empty slot
    if (this.find(a, b)) return true;
    if ((this.used + 1) * 2 > this.hi.length) this.grow();
    this.put(a, b);
    this.used++;
    return false;
  }

  get size(): number {
    return this.used;
  }

  private find(a: number, b: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = a & mask; this.hi[i] !== 0; i = (i + 1) & mask) if (this.hi[i] === b && this.lo[i] === a) return true;
    return false;
  }

  private put(a: number, b: number): void {
    const mask = this.hi.length - 1;
    let i = a & mask;
    while (this.hi[i] !== 0) i = (i + 1) & mask;
    this.lo[i] = a;
    this.hi[i] = b;
  }

  private grow(): void {
    const { lo, hi } = this;
    this.lo = new Uint32Array(lo.length * 2);
    this.hi = new Uint32Array(hi.length * 2);
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0) this.put(lo[i]!, hi[i]!);
  }
}
