// A Kafka split is one partition of one topic, named `topic/partition` (topic names cannot hold '/').

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function splitName(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export function parseSplit(split: string): TopicPartition {
  const slash = split.lastIndexOf('/');
  const partition = Number(split.slice(slash + 1));
  if (slash <= 0 || !Number.isInteger(partition) || partition < 0 || split.slice(slash + 1) === '') {
    throw new Error(`"${split}" is not a Kafka split; expected topic/partition, e.g. "game_logs/0"`);
  }
  return { topic: split.slice(0, slash), partition };
}

/** Checks a `{ split: offset }` map (offsets are the next offset to read) and returns it as a list. */
export function parsePositions(positions: Record<string, number>): (TopicPartition & { offset: number })[] {
  return Object.entries(positions).map(([split, offset]) => {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new Error(`the position of ${split} must be a non-negative integer offset, got ${offset}`);
    }
    return { ...parseSplit(split), offset };
  });
}
