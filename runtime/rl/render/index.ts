export { sceneOf, type Role, type Scene, type Shape } from "./scenes.js";
export { animatedSvg } from "./svg.js";
export { textFrame } from "./terminal.js";
