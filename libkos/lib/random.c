/*
 * Kernel random-number generator.
 *
 * State: a 256-bit ChaCha20 key.  A request runs the ChaCha20 block
 * function in counter mode under that key; the first 32 bytes of output
 * become the next key and are never handed out ("fast key erasure"), the
 * rest is the caller's.  Seeded from plat_entropy() on first use.
 *
 * Locking: rng_lock (interrupts disabled) guards the key; requests are
 * served in chunks so interrupts are not held off for long.
 */
#include <kos/plat/random.h>
#include <kos/random.h>
#include <kos/spinlock.h>
#include <kos/string.h>

#define CHUNK 256 /* bytes handed out per locked step */

static struct spinlock rng_lock = SPINLOCK_INIT("rng");
static uint32_t rng_key[8]; /* guarded by rng_lock */
static bool rng_seeded;
static uint64_t rng_nonce;

static inline uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define QR(a, b, c, d)                             \
	do {                                       \
		a += b, d ^= a, d = rotl32(d, 16); \
		c += d, b ^= c, b = rotl32(b, 12); \
		a += b, d ^= a, d = rotl32(d, 8);  \
		c += d, b ^= c, b = rotl32(b, 7);  \
	} while (0)

/* The ChaCha20 block function: 20 rounds over in, plus in (RFC 8439). */
void kos_chacha20_block(const uint32_t in[16], uint32_t out[16])
{
	uint32_t x[16];

	kos_memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

/* One block of key, 32-bit counter and 64-bit nonce. */
static void chacha20_block(const uint32_t key[8], uint32_t counter,
			   uint64_t nonce, uint32_t out[16])
{
	uint32_t in[16] = {
		0x61707865,	 0x3320646e,
		0x79622d32,	 0x6b206574,
		key[0],		 key[1],
		key[2],		 key[3],
		key[4],		 key[5],
		key[6],		 key[7],
		counter,	 0,
		(uint32_t)nonce, (uint32_t)(nonce >> 32),
	};

	kos_chacha20_block(in, out);
}

/* Caller holds rng_lock. */
static void rng_seed_locked(void)
{
	plat_entropy(rng_key, sizeof(rng_key));
	rng_seeded = true;
}

/* Produce up to CHUNK bytes and re-key.  Caller holds rng_lock. */
static void rng_step_locked(uint8_t *dst, size_t len)
{
	uint32_t block[16];
	uint32_t counter = 0;
	uint64_t nonce = rng_nonce++;
	size_t done = 0;

	/* Block 0: the first 32 bytes re-key, the other 32 are output. */
	chacha20_block(rng_key, counter++, nonce, block);
	uint32_t next_key[8];
	kos_memcpy(next_key, block, 32);
	size_t n = MIN(len, (size_t)32);
	kos_memcpy(dst, (uint8_t *)block + 32, n);
	done = n;
	while (done < len) {
		chacha20_block(rng_key, counter++, nonce, block);
		n = MIN(len - done, sizeof(block));
		kos_memcpy(dst + done, block, n);
		done += n;
	}
	kos_memcpy(rng_key, next_key, sizeof(rng_key));
	kos_memset(block, 0, sizeof(block));
	kos_memset(next_key, 0, sizeof(next_key));
}

void kos_random_bytes(void *buf, size_t len)
{
	uint8_t *dst = buf;

	while (len) {
		size_t n = MIN(len, (size_t)CHUNK);
		unsigned long fl = spin_lock_irqsave(&rng_lock);

		if (!rng_seeded)
			rng_seed_locked();
		rng_step_locked(dst, n);
		spin_unlock_irqrestore(&rng_lock, fl);
		dst += n;
		len -= n;
	}
}

void kos_random_mix(const void *buf, size_t len)
{
	const uint8_t *src = buf;
	unsigned long fl = spin_lock_irqsave(&rng_lock);

	if (!rng_seeded)
		rng_seed_locked();
	for (size_t i = 0; i < len; i++)
		((uint8_t *)rng_key)[i % sizeof(rng_key)] ^= src[i];
	/* Run the mixed key through the block function once. */
	uint8_t tmp[32];
	rng_step_locked(tmp, sizeof(tmp));
	kos_memset(tmp, 0, sizeof(tmp));
	spin_unlock_irqrestore(&rng_lock, fl);
}
