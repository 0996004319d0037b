import { grad } from "gradc";
import * as P from "./probe-fns.js";
import { it } from "vitest";
const {powNegBase, mathPowNegBase, boolLocal, boolToHelper, multiDecl, modAssign, unaryPlus, negConst, importedConst, emptyInit, noUpdate, activeCounter, activeWhileCounter, continueDoWhile, whileTrueBreak, nestedBreak, returnInNested, helperMutatesParam, sameArgTwice, recursive, sameLoopVar, comparisons, sixParams, chainAssign, earlyFirst, zeroTrip, helperCond, stopInHelper, commaLoop, mathE} = P;
