// Child process for the lock test: takes a queue directory's lock, says "ready", waits to be killed.
import { lockDirectory } from '../src/lock.ts';

await lockDirectory(process.argv[2], 1000);
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
