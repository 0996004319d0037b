import { results } from "./main.js";

console.log(JSON.stringify(results));
