// Stand-in for the `electron` module's utilityProcess (Electron's binary is not installed on test machines):
// fork() starts the entry under Node behind a bootstrap that gives it Electron's process.parentPort and no
// process.send, so the engine entry must speak the utility-process way.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

const BOOTSTRAP = fileURLToPath(new URL('./utility-bootstrap.mjs', import.meta.url));

class UtilityProcess extends EventEmitter {
  constructor(entry, args, opts) {
    super();
    const pipeErr = Array.isArray(opts.stdio) ? opts.stdio[2] === 'pipe' : opts.stdio === 'pipe';
    this.child = fork(BOOTSTRAP, [entry, ...args], {
      stdio: ['ignore', 'ignore', pipeErr ? 'pipe' : 'ignore', 'ipc'],
      serialization: 'advanced',
    });
    this.stdout = null;
    this.stderr = this.child.stderr;
    this.child.on('spawn', () => this.emit('spawn'));
    this.child.on('message', (m) => this.emit('message', m));
    this.child.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 128 : 0)));
  }
  get pid() {
    return this.child.pid;
  }
  postMessage(m) {
    if (this.child.connected) this.child.send(m);
  }
  kill() {
    return this.child.kill('SIGTERM');
  }
}

export const utilityProcess = { fork: (entry, args = [], opts = {}) => new UtilityProcess(entry, args, opts) };
