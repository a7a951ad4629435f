import { Db } from "mongodb";
import { logger } from "../logger";

const GRACE_DAYS = 30;

export async function purgeDeletedWorkspaces(db: Db, now: Date = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - GRACE_DAYS * 24 * 3600 * 1000);
  const result = await db.collection("workspaces").deleteMany({ deletedAt: { $lt: cutoff } });
  logger.info({ deleted: result.deletedCount }, "purged deleted workspaces");
  return result.deletedCount;
}
