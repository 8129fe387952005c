// Starts kinesalite (an implementation of the Kinesis Data Streams API) on 127.0.0.1 and
// prints "port N" once it listens. Arguments: the folder holding node_modules/kinesalite,
// the port (0: a free one) and an optional LevelDB folder (empty: in memory). It exits
// when its standard input closes, so it never outlives the process that started it.
const path = require('path');
const [dir, port, dataPath] = process.argv.slice(2);
const kinesalite = require(path.join(dir, 'node_modules', 'kinesalite'));
const server = kinesalite({ path: dataPath || '', createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50, shardLimit: 50 });
server.listen(Number(port || 0), '127.0.0.1', () => {
  process.stdout.write('port ' + server.address().port + '\n');
});
server.on('error', (err) => { process.stderr.write(String(err) + '\n'); process.exit(1); });
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
