export const K2 = 4.5;
