/** A CSV file that grows a row at a time, so a killed run keeps every row it logged. */
import fs from "node:fs";
import path from "node:path";

export class CsvLog<Row extends object> {
  constructor(
    readonly file: string,
    private readonly columns: readonly (keyof Row & string)[],
  ) {}

  /** Starts the file afresh, or keeps its first `keepRows` rows (resuming from a checkpoint). */
  open(keepRows = 0): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const kept = keepRows > 0 && fs.existsSync(this.file) ? fs.readFileSync(this.file, "utf8").split("\n").slice(1, 1 + keepRows) : [];
    if (kept.length < keepRows) throw new Error(`${this.file} has ${kept.length} rows but the checkpoint recorded ${keepRows}`);
    fs.writeFileSync(this.file, [this.columns.join(","), ...kept].join("\n") + "\n");
  }

  append(row: Row): void {
    fs.appendFileSync(this.file, this.columns.map((c) => formatCell(row[c] as unknown as number)).join(",") + "\n");
  }

  read(): Row[] {
    const [head, ...lines] = fs.readFileSync(this.file, "utf8").trim().split("\n");
    const names = head.split(",");
    return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], Number(v)])) as Row);
  }
}

/** NaN (no loss yet) as an empty cell; other numbers to 10 significant digits. */
function formatCell(v: number): string {
  if (Number.isNaN(v)) return "";
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
}
