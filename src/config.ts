/** Settings from the environment, read once in main() and passed down. */
export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  logLevel: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.ZHIXIANG_DATA_DIR || "./data",
    port: Number(env.PORT || 4000),
    logLevel: env.LOG_LEVEL || "info",
  };
}
