// `flowtel query` in a process of its own, for tests: prints runQuery's output.
//   node --import tsx test/run-query.ts <config json> <config dir> <format> (<sql> | --services | --trace <id>)
import { runQuery, type QueryFormat, type QueryRequest } from '../src/query.ts';

const [config, configDir, format, ...rest] = process.argv.slice(2);
const request: QueryRequest =
  rest[0] === '--services' ? { services: true } : rest[0] === '--trace' ? { trace: rest[1] } : rest.join(' ');
runQuery(JSON.parse(config), request, format as QueryFormat, { configDir }).then(
  (out) => process.stdout.write(out),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
