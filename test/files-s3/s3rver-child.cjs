// The s3rver process of s3-test-server.ts: listens on a free loopback port, prints {"port"} and
// exits when its stdin closes (the test process went away). Two of s3rver's departures from S3
// are corrected here, so tests see S3's behaviour: writes land atomically (s3rver writes in place,
// so concurrent writers of one key interleave), and `Range: bytes=N-0` reads one byte (s3rver
// takes an end of 0 as "to the end").
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Readable, Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');

const [entry, directory] = process.argv.slice(2);
const S3rver = require(entry);
const FilesystemStore = require(path.join(path.dirname(entry), 'stores', 'filesystem.js'));
const staging = path.join(directory, '.staging');
fs.mkdirSync(staging, { recursive: true });

FilesystemStore.prototype.putContent = async function putContent(objectPath, content) {
  const temp = path.join(staging, crypto.randomBytes(8).toString('hex'));
  const md5 = crypto.createHash('md5');
  let size = 0;
  const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
  const count = new Transform({
    transform(chunk, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, count, fs.createWriteStream(temp));
    await fs.promises.rename(temp, objectPath);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  return [size, md5.digest('hex')];
};

const getObject = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = async function fixedGetObject(bucket, key, options) {
  const object = await getObject.call(this, bucket, key, options);
  if (object && object.content && object.range && options && options.end === 0) {
    object.content.destroy();
    object.range.end = 0;
    object.content = fs.createReadStream(this.getResourcePath(bucket, key, 'object'), { start: object.range.start, end: 0 });
  }
  return object;
};

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, allowMismatchedSignatures: true });
server.run().then(
  ({ port }) => process.stdout.write(JSON.stringify({ port }) + '\n'),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
