// Runs an entry as Electron runs a utility process: process.parentPort (messages arrive as {data}), no process.send.
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

const send = process.send.bind(process);
const port = new EventEmitter();
port.postMessage = (m) => send(m);
process.on('message', (m) => port.emit('message', { data: m }));
process.send = undefined;
process.parentPort = port;
await import(pathToFileURL(process.argv[2]).href);
