import { grad } from "gradc";
export const g = grad((x: number): number => x * x);
export const h = grad(function (x: number, y: number): number { return x * y; });
