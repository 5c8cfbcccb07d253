/**
 * A child process driven a line at a time over stdin / stdout (the writer processes of the
 * cross-process write tests, `node --import tsx <script> …`).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** A child process answering one line per command. */
export class LineChild {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #exited = false;
  #stderr = "";

  /** Starts `node --import tsx script ...args` in `cwd`. */
  constructor(cwd: string, script: string, args: readonly string[]) {
    this.#child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on("line", (line) => this.#push(line));
    this.#child.on("exit", () => {
      this.#exited = true;
      this.#push(undefined);
    });
  }

  #push(line: string | undefined): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting(line);
    } else if (line !== undefined) this.#lines.push(line);
  }

  send(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** The next line the child prints. @throws when it exits or stays silent for `timeoutMs`. */
  next(timeoutMs: number): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#exited) return Promise.reject(new Error(`child exited: ${this.#stderr}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`child silent for ${timeoutMs} ms: ${this.#stderr}`));
      }, timeoutMs);
      this.#waiting = (line) => {
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`child exited: ${this.#stderr}`));
        else resolve(line);
      };
    });
  }

  /** Asks the child to exit (`exit` line); kills it when it has not within 5 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.send("exit");
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
