// One-at-a-time execution of async tasks: each starts when the one before has settled, whether
// it succeeded or failed (a failure is returned to its own caller only).
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

export function serializer(): Serial {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = chain.then(task);
    chain = result.catch(() => {});
    return result;
  };
}
