import { Db } from "mongodb";

export async function ensureIndexes(db: Db): Promise<void> {
  await db.collection("users").createIndex({ email: 1 }, { unique: true });
  // Sessions die 14 days after they were last used.
  await db.collection("sessions").createIndex(
    { lastUsedAt: 1 },
    { expireAfterSeconds: 14 * 24 * 3600, name: "sessions_expire" },
  );
  await db.collection("workspaces").createIndex({ deletedAt: 1 });
}
