import type { Redis } from "ioredis";

/** Counts requests per IP address in a one-minute window; keys vanish after a day at most. */
export async function hit(redis: Redis, ip: string): Promise<number> {
  const key = `rl:${ip}:${Math.floor(Date.now() / 60000)}`;
  const count = await redis.incr(key);
  if (count === 1) {
    await redis.expire(key, 86400);
  }
  return count;
}
