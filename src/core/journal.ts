/**
 * The journal of a connected run's Partner Center writes (SPEC §7.4): a line log that is durable
 * before each write is sent and after each answer. The store keeps it (a file beside the store file,
 * a table on PostgreSQL); the connector gives its lines their meaning. O(1) a line: an append, never
 * a rewrite of the store.
 */
export interface JournalLog {
  /** Append one line; durable (fsynced, committed) when the promise resolves. */
  append(line: string): Promise<void>;
  /** Every line since the last `clear`, in order. */
  read(): Promise<string[]>;
  /** Forget every line: once what they say is committed to the store. */
  clear(): Promise<void>;
  /** Release what it holds (file handle). */
  close(): Promise<void>;
}

/** A journal seen by a run without the writer lock: it may read it (status), never write it. */
export function readOnlyJournal(log: JournalLog): JournalLog {
  const refuse = async (): Promise<never> => {
    throw new Error('the journal is written only by the run that holds the store\'s writer lock');
  };
  return { read: () => log.read(), append: refuse, clear: refuse, close: () => log.close() };
}
