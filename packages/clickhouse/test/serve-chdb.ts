// A ClickHouse HTTP endpoint on loopback backed by a real engine (chdb) in this child
// process: what remote-mode tests point the exporter at. Prints the port, serves until killed.
//   node --import tsx test/serve-chdb.ts <folder> [user] [password]
import { EmbeddedClient } from '../src/embedded.ts';
import { createClickHouseHttpServer } from '../src/server.ts';

const [folder, username, password] = process.argv.slice(2);
const client = EmbeddedClient.open(folder);
const server = createClickHouseHttpServer(client, username ? { username, password } : {});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening ${address.port}\n`);
});
const stop = () => server.close(() => void client.close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
