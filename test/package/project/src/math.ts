/** A helper in its own module: gradc follows the call across the import. */
export function square(x: number): number {
  return x * x;
}
