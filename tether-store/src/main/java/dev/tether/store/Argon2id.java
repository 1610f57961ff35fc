package dev.tether.store;

import java.util.Arrays;
import org.bouncycastle.crypto.digests.Blake2bDigest;

/**
 * Argon2id, version 0x13, as RFC 9106 specifies it, with the block memory allocated once per
 * hashing thread instead of once (or, in Password4j 1.8.4, several times over) per hash.
 *
 * <p>Why our own: Password4j 1.8.4 copies its whole block memory for every hash and allocates two
 * 1 KiB arrays per block and pass, about 100 MB of garbage per 19 MiB hash; under a log-on flood
 * G1 grows the heap by that much (docs/security.md, "Memory under a flood"). Here each thread keeps
 * one {@code long[]} of {@code blocks × 128} words and a few 128-word scratch blocks, reused by every
 * later hash of no more blocks; filling the memory allocates nothing. BouncyCastle's Blake2b gives
 * H0 and H' (RFC 9106 §3.2 and §3.3), which touch a handful of blocks per hash.
 *
 * <p>Lanes are filled one after another, slice by slice, which gives the same result as filling
 * them in parallel (a block only refers to other lanes' finished slices). Secret and associated
 * data are supported so the RFC's test vector can be checked; the server uses neither.
 *
 * <p>A thread's memory is not cleared after a hash: the next hash on that thread overwrites every
 * block it uses in its first pass before reading it, and the memory never leaves the process.
 */
final class Argon2id {
    private static final int VERSION = 0x13;
    private static final int TYPE_ID = 2;
    private static final int WORDS = 128; // 64-bit words in a 1 KiB block
    private static final int SYNC_POINTS = 4;
    /** Memory kept by a thread between hashes: at most this many blocks (larger ones are not kept). */
    static final int KEPT_BLOCKS = Argon2Hasher.MEMORY_KIB;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Argon2id() {
    }

    /** A thread's reusable state: the block memory and the scratch blocks of the compression G. */
    private static final class Scratch {
        long[] memory = new long[0];
        final long[] r = new long[WORDS];
        final long[] z = new long[WORDS];
        final long[] address = new long[WORDS];
        final long[] input = new long[WORDS];
        final long[] zero = new long[WORDS];
        final byte[] blockBytes = new byte[WORDS * 8];
    }

    /**
     * The Argon2id tag of {@code password} and {@code salt} (RFC 9106 §3.2).
     *
     * @param memoryKiB   m, in KiB (blocks), at least 8 × lanes
     * @param iterations  t, at least 1
     * @param lanes       p, at least 1
     * @param tagLength   T, in bytes, at least 4
     */
    static byte[] hash(byte[] password, byte[] salt, byte[] secret, byte[] ad,
                       int memoryKiB, int iterations, int lanes, int tagLength) {
        if (lanes < 1 || lanes > 0xFFFFFF || iterations < 1 || tagLength < 4 || memoryKiB < 8 * lanes) {
            throw new IllegalArgumentException("Argon2 parameters out of range");
        }
        int laneLength = memoryKiB / (SYNC_POINTS * lanes) * SYNC_POINTS;
        int segmentLength = laneLength / SYNC_POINTS;
        int blocks = laneLength * lanes;

        Scratch s = SCRATCH.get();
        long[] memory = s.memory;
        if (memory.length < (long) blocks * WORDS) {
            memory = new long[Math.multiplyExact(blocks, WORDS)];
            if (blocks <= KEPT_BLOCKS) {
                s.memory = memory;
            }
        }

        byte[] h0 = initialHash(password, salt, secret, ad, memoryKiB, iterations, lanes, tagLength);
        byte[] seed = Arrays.copyOf(h0, 64 + 8);
        byte[] block = s.blockBytes;
        for (int lane = 0; lane < lanes; lane++) {
            for (int i = 0; i < 2; i++) {
                putIntLE(seed, 64, i);
                putIntLE(seed, 68, lane);
                hPrime(block, block.length, seed);
                loadBlock(memory, (lane * laneLength + i) * WORDS, block);
            }
        }

        for (int pass = 0; pass < iterations; pass++) {
            for (int slice = 0; slice < SYNC_POINTS; slice++) {
                for (int lane = 0; lane < lanes; lane++) {
                    fillSegment(s, memory, pass, lane, slice, lanes, laneLength, segmentLength, blocks, iterations);
                }
            }
        }

        // C = the XOR of every lane's last block; the tag is H'^T(C).
        long[] c = s.r;
        System.arraycopy(memory, (laneLength - 1) * WORDS, c, 0, WORDS);
        for (int lane = 1; lane < lanes; lane++) {
            int last = (lane * laneLength + laneLength - 1) * WORDS;
            for (int w = 0; w < WORDS; w++) {
                c[w] ^= memory[last + w];
            }
        }
        storeBlock(c, 0, block);
        byte[] tag = new byte[tagLength];
        hPrime(tag, tagLength, block);
        Arrays.fill(block, (byte) 0);
        Arrays.fill(c, 0L);
        Arrays.fill(seed, (byte) 0);
        Arrays.fill(h0, (byte) 0);
        return tag;
    }

    private static byte[] initialHash(byte[] password, byte[] salt, byte[] secret, byte[] ad,
                                      int memoryKiB, int iterations, int lanes, int tagLength) {
        Blake2bDigest blake = new Blake2bDigest(512);
        updateInt(blake, lanes);
        updateInt(blake, tagLength);
        updateInt(blake, memoryKiB);
        updateInt(blake, iterations);
        updateInt(blake, VERSION);
        updateInt(blake, TYPE_ID);
        updateWithLength(blake, password);
        updateWithLength(blake, salt);
        updateWithLength(blake, secret);
        updateWithLength(blake, ad);
        byte[] h0 = new byte[64];
        blake.doFinal(h0, 0);
        return h0;
    }

    private static void fillSegment(Scratch s, long[] memory, int pass, int lane, int slice, int lanes,
                                    int laneLength, int segmentLength, int blocks, int iterations) {
        boolean dataIndependent = pass == 0 && slice < SYNC_POINTS / 2;
        long[] address = s.address;
        long[] input = s.input;
        if (dataIndependent) {
            Arrays.fill(input, 0L);
            input[0] = pass;
            input[1] = lane;
            input[2] = slice;
            input[3] = blocks;
            input[4] = iterations;
            input[5] = TYPE_ID;
        }
        int start = 0;
        if (pass == 0 && slice == 0) {
            start = 2; // the first two blocks of each lane come from H'
            if (dataIndependent) {
                nextAddresses(s);
            }
        }
        int current = lane * laneLength + slice * segmentLength + start;
        int previous = current % laneLength == 0 ? current + laneLength - 1 : current - 1;
        for (int i = start; i < segmentLength; i++, current++, previous++) {
            if (current % laneLength == 1) {
                previous = current - 1;
            }
            long pseudoRandom;
            if (dataIndependent) {
                if (i % WORDS == 0) {
                    nextAddresses(s);
                }
                pseudoRandom = address[i % WORDS];
            } else {
                pseudoRandom = memory[previous * WORDS];
            }
            int refLane = (pass == 0 && slice == 0) ? lane : (int) ((pseudoRandom >>> 32) % lanes);
            int refIndex = indexAlpha(pass, slice, i, pseudoRandom & 0xFFFFFFFFL, refLane == lane,
                    laneLength, segmentLength);
            fillBlock(s, memory, previous * WORDS, memory, (refLane * laneLength + refIndex) * WORDS,
                    memory, current * WORDS, pass != 0);
        }
    }

    /** The next 128 pseudo-random words of data-independent addressing: G(0, G(0, input)). */
    private static void nextAddresses(Scratch s) {
        s.input[6]++;
        fillBlock(s, s.zero, 0, s.input, 0, s.address, 0, false);
        fillBlock(s, s.zero, 0, s.address, 0, s.address, 0, false);
    }

    /** The index in the reference lane of the block that block {@code index} of the segment refers to (RFC 9106 §3.4.2). */
    private static int indexAlpha(int pass, int slice, int index, long j1, boolean sameLane,
                                  int laneLength, int segmentLength) {
        long area;
        if (pass == 0) {
            if (slice == 0) {
                area = index - 1;
            } else if (sameLane) {
                area = (long) slice * segmentLength + index - 1;
            } else {
                area = (long) slice * segmentLength + (index == 0 ? -1 : 0);
            }
        } else if (sameLane) {
            area = laneLength - segmentLength + index - 1;
        } else {
            area = laneLength - segmentLength + (index == 0 ? -1 : 0);
        }
        long x = (j1 * j1) >>> 32;
        long relative = area - 1 - ((area * x) >>> 32);
        long startPosition = 0;
        if (pass != 0) {
            startPosition = slice == SYNC_POINTS - 1 ? 0 : (long) (slice + 1) * segmentLength;
        }
        return (int) ((startPosition + relative) % laneLength);
    }

    /**
     * The compression G (RFC 9106 §3.5): {@code next = P(prev ⊕ ref) ⊕ prev ⊕ ref}, XORed into what
     * {@code next} held when {@code xor} (passes after the first, version 0x13). The two sources may be
     * the destination; only the thread's scratch blocks are used in between.
     */
    private static void fillBlock(Scratch s, long[] prevArray, int prev, long[] refArray, int ref,
                                  long[] nextArray, int next, boolean xor) {
        long[] r = s.r;
        long[] z = s.z;
        for (int w = 0; w < WORDS; w++) {
            r[w] = prevArray[prev + w] ^ refArray[ref + w];
        }
        if (xor) {
            for (int w = 0; w < WORDS; w++) {
                z[w] = r[w] ^ nextArray[next + w];
            }
        } else {
            System.arraycopy(r, 0, z, 0, WORDS);
        }
        for (int row = 0; row < 8; row++) {
            int b = 16 * row;
            round(r, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7,
                    b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14, b + 15);
        }
        for (int column = 0; column < 8; column++) {
            int b = 2 * column;
            round(r, b, b + 1, b + 16, b + 17, b + 32, b + 33, b + 48, b + 49,
                    b + 64, b + 65, b + 80, b + 81, b + 96, b + 97, b + 112, b + 113);
        }
        for (int w = 0; w < WORDS; w++) {
            nextArray[next + w] = z[w] ^ r[w];
        }
    }

    /** The permutation P on 16 words of {@code v} (RFC 9106 §3.6). */
    private static void round(long[] v, int v0, int v1, int v2, int v3, int v4, int v5, int v6, int v7,
                              int v8, int v9, int v10, int v11, int v12, int v13, int v14, int v15) {
        gb(v, v0, v4, v8, v12);
        gb(v, v1, v5, v9, v13);
        gb(v, v2, v6, v10, v14);
        gb(v, v3, v7, v11, v15);
        gb(v, v0, v5, v10, v15);
        gb(v, v1, v6, v11, v12);
        gb(v, v2, v7, v8, v13);
        gb(v, v3, v4, v9, v14);
    }

    private static void gb(long[] v, int a, int b, int c, int d) {
        long va = v[a];
        long vb = v[b];
        long vc = v[c];
        long vd = v[d];
        va = blaMka(va, vb);
        vd = Long.rotateRight(vd ^ va, 32);
        vc = blaMka(vc, vd);
        vb = Long.rotateRight(vb ^ vc, 24);
        va = blaMka(va, vb);
        vd = Long.rotateRight(vd ^ va, 16);
        vc = blaMka(vc, vd);
        vb = Long.rotateRight(vb ^ vc, 63);
        v[a] = va;
        v[b] = vb;
        v[c] = vc;
        v[d] = vd;
    }

    /** fBlaMka(x, y) = x + y + 2 · lo32(x) · lo32(y), modulo 2^64. */
    private static long blaMka(long x, long y) {
        return x + y + 2 * ((x & 0xFFFFFFFFL) * (y & 0xFFFFFFFFL));
    }

    /** H' (RFC 9106 §3.3): {@code length} bytes of variable-length Blake2b of {@code input} into {@code out}. */
    private static void hPrime(byte[] out, int length, byte[] input) {
        byte[] lengthBytes = new byte[4];
        putIntLE(lengthBytes, 0, length);
        if (length <= 64) {
            Blake2bDigest blake = new Blake2bDigest(length * 8);
            blake.update(lengthBytes, 0, 4);
            blake.update(input, 0, input.length);
            blake.doFinal(out, 0);
            return;
        }
        int r = (length + 31) / 32 - 2;
        byte[] v = new byte[64];
        Blake2bDigest blake = new Blake2bDigest(512);
        blake.update(lengthBytes, 0, 4);
        blake.update(input, 0, input.length);
        blake.doFinal(v, 0);
        System.arraycopy(v, 0, out, 0, 32);
        for (int i = 1; i < r; i++) {
            blake.update(v, 0, 64); // doFinal reset the digest
            blake.doFinal(v, 0);
            System.arraycopy(v, 0, out, 32 * i, 32);
        }
        int rest = length - 32 * r;
        Blake2bDigest last = new Blake2bDigest(rest * 8);
        last.update(v, 0, 64);
        byte[] tail = new byte[rest];
        last.doFinal(tail, 0);
        System.arraycopy(tail, 0, out, 32 * r, rest);
        Arrays.fill(v, (byte) 0);
        Arrays.fill(tail, (byte) 0);
    }

    private static void updateInt(Blake2bDigest blake, int value) {
        byte[] bytes = new byte[4];
        putIntLE(bytes, 0, value);
        blake.update(bytes, 0, 4);
    }

    private static void updateWithLength(Blake2bDigest blake, byte[] data) {
        byte[] bytes = data == null ? new byte[0] : data;
        updateInt(blake, bytes.length);
        blake.update(bytes, 0, bytes.length);
    }

    private static void putIntLE(byte[] out, int offset, int value) {
        out[offset] = (byte) value;
        out[offset + 1] = (byte) (value >>> 8);
        out[offset + 2] = (byte) (value >>> 16);
        out[offset + 3] = (byte) (value >>> 24);
    }

    private static void loadBlock(long[] memory, int offset, byte[] bytes) {
        for (int w = 0; w < WORDS; w++) {
            long value = 0;
            for (int b = 7; b >= 0; b--) {
                value = (value << 8) | (bytes[8 * w + b] & 0xFFL);
            }
            memory[offset + w] = value;
        }
    }

    private static void storeBlock(long[] block, int offset, byte[] bytes) {
        for (int w = 0; w < WORDS; w++) {
            long value = block[offset + w];
            for (int b = 0; b < 8; b++) {
                bytes[8 * w + b] = (byte) (value >>> (8 * b));
            }
        }
    }
}
